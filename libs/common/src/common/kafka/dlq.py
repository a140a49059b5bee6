"""Dead-letter topics: park a message with its error, list parked messages, replay them."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from aiokafka import AIOKafkaClient, AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from common.events import dlq_topic
from common.kafka.producer import start_producer
from common.settings import ServiceSettings

if TYPE_CHECKING:
    from common.kafka.consumer import ConsumedEvent

log = logging.getLogger(__name__)
DLQ_PREFIX = "dlq."
REPLAY_SECONDS = 60.0  # one replay call never runs longer; what is left waits for the next


def _dlq_headers(event: ConsumedEvent, error: Exception, group_id: str) -> list[tuple[str, bytes]]:
    kept = [(k, v) for k, v in event.headers if not k.startswith(DLQ_PREFIX)]
    return [
        *kept,
        ("dlq.error", f"{type(error).__name__}: {error}"[:2000].encode()),
        ("dlq.original_topic", event.topic.encode()),
        ("dlq.original_partition", str(event.partition).encode()),
        ("dlq.original_offset", str(event.offset).encode()),
        ("dlq.consumer_group", group_id.encode()),
        ("dlq.failed_at", datetime.now(UTC).isoformat().encode()),
    ]


async def send_to_dlq(
    *,
    settings: ServiceSettings,
    producer: AIOKafkaProducer | None,
    event: ConsumedEvent,
    error: Exception,
    group_id: str,
) -> None:
    """Park a message on its topic's dead-letter topic, with the error and where it came from."""
    if producer is None:
        raise RuntimeError(f"no DLQ producer; cannot park {event.topic}@{event.offset}") from error
    log.error("dead-lettering %s[%d]@%d: %r", event.topic, event.partition, event.offset, error)
    await producer.send_and_wait(
        dlq_topic(event.topic),
        event.raw,
        key=event.key,
        headers=_dlq_headers(event, error, group_id),
    )


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A parked message as operators see it."""

    offset: int
    original_topic: str
    original_partition: int
    original_offset: int
    error: str
    consumer_group: str
    failed_at: str
    key: bytes | None
    value: bytes
    headers: Sequence[tuple[str, bytes]]


def _header(headers: Sequence[tuple[str, bytes]], name: str) -> str:
    return next((v.decode() for k, v in headers if k == name), "")


def _dead_letter(record: object) -> DeadLetter:
    headers = tuple(record.headers or ())  # type: ignore[attr-defined]
    return DeadLetter(
        offset=record.offset,  # type: ignore[attr-defined]
        original_topic=_header(headers, "dlq.original_topic"),
        original_partition=int(_header(headers, "dlq.original_partition") or -1),
        original_offset=int(_header(headers, "dlq.original_offset") or -1),
        error=_header(headers, "dlq.error"),
        consumer_group=_header(headers, "dlq.consumer_group"),
        failed_at=_header(headers, "dlq.failed_at"),
        key=record.key,  # type: ignore[attr-defined]
        value=record.value,  # type: ignore[attr-defined]
        headers=headers,
    )


async def _partitions(settings: ServiceSettings, topic: str) -> set[int]:
    client = AIOKafkaClient(bootstrap_servers=settings.kafka_bootstrap)
    await client.bootstrap()
    try:
        metadata = await client.fetch_all_metadata()
        return set(metadata.partitions_for_topic(topic) or ())
    finally:
        await client.close()


async def _behind(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
    for tp, end in ends.items():
        if await consumer.position(tp) < end:
            return True
    return False


async def list_dead_letters(
    *, settings: ServiceSettings, topic: str, limit: int = 100
) -> list[DeadLetter]:
    """Every message parked for ``topic`` (the logical name), oldest first, up to ``limit``."""
    name = dlq_topic(settings.topic(topic))
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap, enable_auto_commit=False
    )
    await consumer.start()
    try:
        partitions = [TopicPartition(name, p) for p in await _partitions(settings, name)]
        if not partitions:
            return []
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        found: list[DeadLetter] = []
        while len(found) < limit and await _behind(consumer, ends):
            batch = await consumer.getmany(timeout_ms=500, max_records=limit)
            found += [_dead_letter(r) for records in batch.values() for r in records]
        return found[:limit]
    finally:
        await asyncio.sleep(
            0
        )  # let aiokafka's background task start, or stop() re-raises its cancel
        await consumer.stop()


@dataclass(frozen=True, slots=True)
class DeadLetterBacklog:
    """What a dead-letter topic holds: everything retained, and what was never replayed."""

    topic: str  # the logical topic whose dead letters these are
    parked: int
    waiting: int


async def dead_letter_backlog(*, settings: ServiceSettings, topic: str) -> DeadLetterBacklog:
    """How many messages are parked for ``topic`` and how many await a replay."""
    name = dlq_topic(settings.topic(topic))
    async with _replayer(settings, name) as (consumer, partitions):
        if not partitions:
            return DeadLetterBacklog(topic, 0, 0)
        starts = await consumer.beginning_offsets(partitions)
        ends = await consumer.end_offsets(partitions)
        parked = waiting = 0
        for tp in partitions:
            replayed_to = await consumer.committed(tp) or 0
            parked += ends[tp] - starts[tp]
            waiting += ends[tp] - max(starts[tp], replayed_to)
        return DeadLetterBacklog(topic, parked, waiting)


@asynccontextmanager
async def _replayer(
    settings: ServiceSettings, name: str
) -> AsyncIterator[tuple[AIOKafkaConsumer, list[TopicPartition]]]:
    """A consumer in the replayer group of dead-letter topic ``name``, and its partitions."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap,
        group_id=f"{name}.replayer",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        yield consumer, [TopicPartition(name, p) for p in await _partitions(settings, name)]
    finally:
        await asyncio.sleep(0)  # as in list_dead_letters: let the background task start
        await consumer.stop()


async def replay(*, settings: ServiceSettings, topic: str, limit: int = 1000) -> int:
    """:func:`replay_dead_letters` with a producer of its own (the CLI and the ops page)."""
    producer = await start_producer(settings, client_id="dlq-replayer")
    try:
        return await replay_dead_letters(
            settings=settings, producer=producer, topic=topic, limit=limit
        )
    finally:
        await producer.stop()


async def replay_dead_letters(
    *, settings: ServiceSettings, producer: AIOKafkaProducer, topic: str, limit: int = 1000
) -> int:
    """Send the messages parked now back to their original topic once; returns how many.

    Progress is committed in a replay consumer group so a message is replayed once even if
    the command is run again. Only what was parked when the replay began goes back: a
    message that fails again is parked anew and waits for the next replay (no loop).
    Consumers drop duplicates by event id.
    """
    name = dlq_topic(settings.topic(topic))
    replayed = 0
    async with _replayer(settings, name) as (consumer, partitions):
        if not partitions:
            return 0
        consumer.assign(partitions)
        starts = await consumer.beginning_offsets(partitions)
        for tp in partitions:
            consumer.seek(tp, max(starts[tp], await consumer.committed(tp) or 0))
        ends = await consumer.end_offsets(partitions)
        give_up = time.monotonic() + REPLAY_SECONDS
        while replayed < limit and await _behind(consumer, ends):
            if time.monotonic() > give_up:
                log.warning("replay of %s stopped at its time limit: %d sent", name, replayed)
                break
            batch = await consumer.getmany(timeout_ms=1000, max_records=min(500, limit - replayed))
            for tp, records in batch.items():
                records = [r for r in records if r.offset < ends[tp]][: limit - replayed]
                for record in records:
                    letter = _dead_letter(record)
                    kept = [(k, v) for k, v in letter.headers if not k.startswith(DLQ_PREFIX)]
                    await producer.send_and_wait(
                        letter.original_topic, letter.value, key=letter.key, headers=kept
                    )
                    replayed += 1
                if records:
                    await consumer.commit({tp: records[-1].offset + 1})
    return replayed
