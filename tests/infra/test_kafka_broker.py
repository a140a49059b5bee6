"""The local broker is Apache Kafka 4.x with the platform's topics, and clients can use it."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from devtool import kafka
from devtool.config import KAFKA_CLASSPATH, topic_partitions

TOPIC_TOOL = "org.apache.kafka.tools.TopicCommand"
GROUP_TOOL = "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand"
TOPIC_LINE = (
    r"^Topic: (?P<topic>\S+)\s.*PartitionCount: (?P<partitions>\d+)\s.*Configs: (?P<configs>\S*)"
)
DEADLINE = 30.0
KafkaTool = Callable[..., str]
CONSUMER_GROUP_HEARTBEAT = 68  # KIP-848's API, part of the broker since Kafka 4.0


@pytest.fixture
async def topic(running_infra: None) -> AsyncIterator[str]:
    """A fresh two-partition topic, deleted afterwards."""
    name = f"infra-test-{uuid.uuid4().hex[:12]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.BOOTSTRAP)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, num_partitions=2, replication_factor=1)])
        yield name
        await admin.delete_topics([name])
    finally:
        await admin.close()


def test_the_classpath_holds_the_official_kafka_4_broker(running_infra: None) -> None:
    jars = [Path(jar).name for jar in KAFKA_CLASSPATH.read_text().strip().split(":")]
    broker = [jar for jar in jars if re.fullmatch(r"kafka_2\.13-[\d.]+\.jar", jar)]
    assert len(broker) == 1
    assert broker[0].startswith("kafka_2.13-4."), broker
    assert any(jar.startswith("slf4j-api-2.") for jar in jars)  # or the broker logs nothing


def test_the_broker_speaks_the_kafka_4_protocol(kafka_tool: KafkaTool) -> None:
    keys = kafka.api_keys()
    assert keys is not None
    assert CONSUMER_GROUP_HEARTBEAT in keys
    features = kafka_tool("org.apache.kafka.tools.FeatureCommand", "--bootstrap-server",
                          kafka.BOOTSTRAP, "describe")  # fmt: skip
    level = re.search(r"Feature: metadata\.version\s.*FinalizedVersionLevel: (\S+)", features)
    assert level is not None, features
    assert level.group(1).startswith("4."), features


def test_storage_is_formatted_for_a_single_kraft_node(kafka_tool: KafkaTool) -> None:
    info = kafka_tool("kafka.tools.StorageTool", "info", "-c", str(kafka.SERVER_PROPERTIES))
    assert str(kafka.DATA_DIR) in info
    assert re.search(r"cluster\.id=[\w-]{22}", info)
    assert "node.id=1" in info


def test_platform_topics_have_their_partitions_and_keep_events_forever(
    kafka_tool: KafkaTool,
) -> None:
    wanted = topic_partitions()
    pattern = "|".join(re.escape(name) for name in wanted)
    described = kafka_tool(TOPIC_TOOL, "--bootstrap-server", kafka.BOOTSTRAP, "--describe",
                           "--topic", pattern)  # fmt: skip
    found = {
        match["topic"]: (int(match["partitions"]), match["configs"])
        for match in re.finditer(TOPIC_LINE, described, flags=re.MULTILINE)
    }
    assert set(found) == set(wanted)
    for name, partitions in wanted.items():
        assert found[name][0] == partitions, name
        assert "retention.ms=-1" in found[name][1], name


async def test_a_message_round_trips_through_the_broker(topic: str, kafka_tool: KafkaTool) -> None:
    group = f"infra-test-{uuid.uuid4().hex[:12]}"
    producer = AIOKafkaProducer(
        bootstrap_servers=kafka.BOOTSTRAP, enable_idempotence=True, acks="all"
    )
    await producer.start()
    try:
        headers = [("event_type", b"article.published")]
        await producer.send_and_wait(
            topic, "阅读次数 read count".encode(), key=b"a-1", headers=headers
        )
    finally:
        await producer.stop()

    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=kafka.BOOTSTRAP,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        records: list[ConsumerRecord[bytes, bytes]] = []
        deadline = time.monotonic() + DEADLINE
        while not records and time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=500)
            records = [record for batch in batches.values() for record in batch]
        await consumer.commit()
    finally:
        await consumer.stop()

    assert [(r.key, r.value.decode(), list(r.headers)) for r in records] == [
        (b"a-1", "阅读次数 read count", headers)
    ]
    groups = kafka_tool(GROUP_TOOL, "--bootstrap-server", kafka.BOOTSTRAP, "--list")
    assert group in groups.split()
