"""Topic administration: create the platform's topics (and their dead-letter topics)."""

from __future__ import annotations

from collections.abc import Iterable

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from common.events import dlq_topic
from common.settings import ServiceSettings

KEEP_FOREVER = {"retention.ms": "-1", "retention.bytes": "-1"}  # replay rebuilds state


def _new_topic(settings: ServiceSettings, name: str, partitions: int) -> NewTopic:
    configs = {**KEEP_FOREVER, "min.insync.replicas": str(settings.topic_min_insync_replicas)}
    return NewTopic(name, partitions, settings.topic_replication_factor, topic_configs=configs)


async def ensure_topics(
    settings: ServiceSettings, topics: Iterable[str], *, partitions: int | None = None
) -> None:
    """Create each logical topic and its DLQ (with the settings' suffix) unless present."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted: list[NewTopic] = []
        for topic in topics:
            name = settings.topic(topic)
            for physical, count in (
                (name, partitions or settings.topic_partitions),
                (dlq_topic(name), 1),
            ):
                if physical not in existing:
                    wanted.append(_new_topic(settings, physical, count))
        if wanted:
            try:
                await admin.create_topics(wanted)
            except TopicAlreadyExistsError:
                pass  # another process created it meanwhile
    finally:
        await admin.close()
