"""The replicated Kafka layouts: compose's kafka-cluster override and dev.py's cluster nodes."""

from __future__ import annotations

import json
from pathlib import Path
from string import Template
from typing import Any

import jsonschema
import yaml

REPO = Path(__file__).resolve().parents[2]
OVERRIDE = REPO / "deploy" / "compose.kafka-cluster.yml"


def _override() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(OVERRIDE.read_text())
    return data


def test_the_compose_override_follows_the_compose_specification() -> None:
    schema = json.loads((Path(__file__).parent / "compose-spec.json").read_text())
    errors = [e.message for e in jsonschema.Draft7Validator(schema).iter_errors(_override())]
    assert errors == []


def test_compose_cluster_has_three_voters_and_replicates_topics_three_ways() -> None:
    services = _override()["services"]
    voters = {
        services[name]["environment"]["KAFKA_CONTROLLER_QUORUM_VOTERS"]
        for name in ("kafka", "kafka-2", "kafka-3")
    }
    assert voters == {"1@kafka:9093,2@kafka-2:9093,3@kafka-3:9093"}
    node_ids = {
        services[n]["environment"]["KAFKA_NODE_ID"] for n in ("kafka", "kafka-2", "kafka-3")
    }
    assert node_ids == {1, 2, 3}
    assert services["kafka-2"]["profiles"] == ["kafka-cluster"]
    create = services["kafka-init"]["command"][0]
    assert "--replication-factor 3" in create
    assert "min.insync.replicas=2" in create


def test_dev_cluster_nodes_render_one_quorum_of_three() -> None:
    template = Template((REPO / "infra/kafka/server-cluster.properties.template").read_text())
    voters = "1@127.0.0.1:39093,2@127.0.0.1:39095,3@127.0.0.1:39097"
    text = template.substitute(
        node_id=2, voters=voters, port=39094, controller_port=39095, data_dir="data",
        replication=3, min_isr=2,
    )  # fmt: skip
    props = dict(line.split("=", 1) for line in text.splitlines() if "=" in line and line[0] != "#")
    assert props["controller.quorum.voters"] == voters
    assert props["default.replication.factor"] == "3"
    assert props["min.insync.replicas"] == "2"
    assert props["offsets.topic.replication.factor"] == "3"
    assert props["unclean.leader.election.enable"] == "false"
