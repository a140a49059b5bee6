"""docker-compose.yml: the full stack starts in a safe order and exposes only its front doors."""

from __future__ import annotations

import json
import re
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]  # ships no type information
import pytest
import yaml
from devtool.services import PROCESSES

REPO = Path(__file__).resolve().parents[2]
INFRA = {"kafka", "redis", "postgres"}
ONE_SHOTS = {"kafka-init", "migrate"}
APPS = {"articles", "comments", "analytics", "gateway"}
WORKERS = {"articles-worker", "comments-worker", "analytics-worker"}
OBSERVABILITY = {"otel-collector", "jaeger", "prometheus", "grafana"}
REQUIRED = INFRA | ONE_SHOTS | APPS | WORKERS | OBSERVABILITY
PUBLISHED = {"gateway", "grafana", "jaeger", "prometheus"}
# distroless image: no shell or client to run a check with; nothing waits on it
NO_HEALTHCHECK = {"otel-collector"}
WAITING = ("service_healthy", "service_completed_successfully")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    return data


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = compose["services"]
    return found


def _depends(service: dict[str, Any]) -> dict[str, dict[str, Any]]:
    deps = service.get("depends_on", {})
    return {name: {} for name in deps} if isinstance(deps, list) else dict(deps)


def _one_shot(service: dict[str, Any]) -> bool:
    return str(service.get("restart", "no")) == "no"


def test_compose_file_follows_the_compose_specification(compose: dict[str, Any]) -> None:
    schema = json.loads((Path(__file__).parent / "compose-spec.json").read_text())
    errors = [
        f"{list(e.path)}: {e.message}"
        for e in jsonschema.Draft7Validator(schema).iter_errors(compose)
    ]
    assert errors == []


def test_every_part_of_the_stack_is_defined(services: dict[str, dict[str, Any]]) -> None:
    assert REQUIRED <= set(services)


def test_each_service_has_a_healthcheck_or_is_a_one_shot_others_wait_for(
    services: dict[str, dict[str, Any]],
) -> None:
    awaited = {
        dep
        for service in services.values()
        for dep, spec in _depends(service).items()
        if spec.get("condition") == "service_completed_successfully"
    }
    for name, service in services.items():
        if name in NO_HEALTHCHECK:
            continue
        if _one_shot(service):
            assert name in awaited, f"nothing waits for one-shot {name} to complete"
        else:
            check = service.get("healthcheck", {})
            assert check.get("test"), f"{name} has no healthcheck"
            assert not check.get("disable"), f"{name} disables its healthcheck"


def test_every_dependency_waits_for_health_or_completion(
    services: dict[str, dict[str, Any]],
) -> None:
    for name, service in services.items():
        for dep, spec in _depends(service).items():
            assert dep in services, f"{name} depends on unknown {dep}"
            condition = spec.get("condition")
            assert condition in WAITING, f"{name} -> {dep} starts without waiting ({condition})"
            if condition == "service_healthy":
                assert "healthcheck" in services[dep], f"{name} waits on {dep}, which has no check"
            else:
                assert _one_shot(services[dep]), f"{dep} is awaited to complete but restarts"


def test_start_order_is_acyclic(services: dict[str, dict[str, Any]]) -> None:
    graph = {name: set(_depends(service)) for name, service in services.items()}
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as exc:  # pragma: no cover - the failure message is the point
        pytest.fail(f"dependency cycle: {exc.args[1]}")
    assert order.index("kafka") < order.index("kafka-init") < order.index("gateway")
    assert order.index("postgres") < order.index("migrate") < order.index("articles")


@pytest.mark.parametrize("name", sorted(APPS | WORKERS))
def test_platform_processes_wait_for_the_infrastructure(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    deps = _depends(services[name])
    for infra in INFRA:
        assert deps.get(infra, {}).get("condition") == "service_healthy", f"{name} -> {infra}"
    for one_shot in ONE_SHOTS:
        condition = deps.get(one_shot, {}).get("condition")
        assert condition == "service_completed_successfully", f"{name} -> {one_shot}"


def test_migrations_wait_for_postgres_and_topics_wait_for_kafka(
    services: dict[str, dict[str, Any]],
) -> None:
    assert _depends(services["migrate"])["postgres"]["condition"] == "service_healthy"
    assert _depends(services["kafka-init"])["kafka"]["condition"] == "service_healthy"
    command = " ".join(services["migrate"]["command"])
    assert "alembic -c services/$$service/alembic.ini upgrade head" in command
    assert all(service in command for service in APPS)


def test_only_the_public_front_doors_publish_ports(services: dict[str, dict[str, Any]]) -> None:
    publishing = {name for name, service in services.items() if service.get("ports")}
    assert publishing == PUBLISHED
    assert "8000:8000" in services["gateway"]["ports"]


def test_compose_runs_the_same_processes_as_the_dev_command(
    services: dict[str, dict[str, Any]],
) -> None:
    in_compose = {
        name: service["command"][-1] for name, service in services.items() if name in APPS | WORKERS
    }
    assert in_compose == {process.name: process.module for process in PROCESSES}


def test_kafka_is_the_official_4_1_image_in_kraft_mode(services: dict[str, dict[str, Any]]) -> None:
    kafka = services["kafka"]
    assert kafka["image"] == "apache/kafka:4.1.1"
    assert kafka["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert services["kafka-init"]["image"] == kafka["image"]
    script = services["kafka-init"]["command"][0]
    for topic in ("articles.events", "comments.events", "analytics.views"):
        assert topic in script
    assert ".dlq:1" in script
    assert "retention.ms=-1" in script


def test_production_secrets_are_required_from_the_env_file(
    services: dict[str, dict[str, Any]],
) -> None:
    example = (REPO / "deploy" / ".env.example").read_text()
    documented = set(re.findall(r"^#?\s*([A-Z_]+)=", example, flags=re.MULTILINE))
    required = set(re.findall(r"\$\{([A-Z_]+):\?", (REPO / "docker-compose.yml").read_text()))
    assert {"NEWSROOM_JWT_PRIVATE_KEY", "NEWSROOM_JWT_PUBLIC_KEY"} <= required
    assert required <= documented
    for name in APPS | WORKERS:
        env = services[name]["environment"]
        assert env["NEWSROOM_ENV"] == "prod"
        assert ("NEWSROOM_JWT_PRIVATE_KEY" in env) == (name == "gateway"), name


def test_prometheus_scrapes_every_service(services: dict[str, dict[str, Any]]) -> None:
    config = yaml.safe_load((REPO / "deploy" / "prometheus.yml").read_text())
    targets = {
        target
        for job in config["scrape_configs"]
        for group in job["static_configs"]
        for target in group["targets"]
    }
    for name in APPS | WORKERS:
        # every process serves /metrics on its own port (never the public one)
        assert f"{name}:{services[name]['environment']['NEWSROOM_METRICS_PORT']}" in targets
    assert "otel-collector:8889" in targets


def test_collector_sends_traces_to_jaeger_and_metrics_to_prometheus() -> None:
    config = yaml.safe_load((REPO / "deploy" / "otel-collector.yaml").read_text())
    pipelines = config["service"]["pipelines"]
    assert pipelines["traces"]["exporters"] == ["otlp/jaeger"]
    assert config["exporters"]["otlp/jaeger"]["endpoint"] == "jaeger:4317"
    assert pipelines["metrics"]["exporters"] == ["prometheus"]


def test_grafana_dashboards_use_the_provisioned_datasources() -> None:
    grafana = REPO / "deploy" / "grafana"
    provisioned = yaml.safe_load(
        (grafana / "provisioning/datasources/datasources.yaml").read_text()
    )
    uids = {source["uid"] for source in provisioned["datasources"]}
    for path in (grafana / "dashboards").glob("*.json"):
        dashboard = json.loads(path.read_text())
        assert dashboard["panels"], path.name
        for panel in dashboard["panels"]:
            assert panel["datasource"]["uid"] in uids, (path.name, panel["title"])
            assert all(target["expr"] for target in panel["targets"])
