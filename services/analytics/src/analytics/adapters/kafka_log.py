"""Reading the Kafka log directly: offsets, consumer groups, and bounded replays."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import CommitFailedError, KafkaError
from pydantic import ValidationError

from common.events import Envelope
from common.kafka import ConsumedEvent
from common.settings import ServiceSettings

log = logging.getLogger(__name__)
COORDINATOR_WAIT_SECONDS = 60.0  # a group coordinator not available yet is waited for so long
RecordsHandler = Callable[[list[ConsumedEvent]], Awaitable[None]]


class GroupBusyError(RuntimeError):
    """A consumer group still has members, so its offsets cannot be reset."""


@dataclass(frozen=True, slots=True)
class PartitionLag:
    """How far a consumer group is behind on one partition."""

    group: str
    topic: str
    partition: int
    end_offset: int
    committed_offset: int | None

    @property
    def lag(self) -> int:
        """Messages not yet committed by the group."""
        return max(0, self.end_offset - (self.committed_offset or 0))


def _consumer(settings: ServiceSettings, group_id: str | None = None) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap,
        group_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        max_poll_records=500,
    )


async def partitions_of(consumer: AIOKafkaConsumer, topics: Iterable[str]) -> list[TopicPartition]:
    """Every partition of the topics (topics that do not exist have none)."""
    found: list[TopicPartition] = []
    for topic in topics:
        parts = consumer.partitions_for_topic(topic)
        if parts is None:
            await consumer._client.force_metadata_update()
            parts = consumer.partitions_for_topic(topic)
        found += [TopicPartition(topic, p) for p in sorted(parts or ())]
    return found


async def log_bounds(
    settings: ServiceSettings, topics: Iterable[str], *, since: float | None = None
) -> tuple[dict[TopicPartition, int], dict[TopicPartition, int], dict[TopicPartition, int]]:
    """(beginning, end, first offset at or after ``since`` — end if none) of every partition."""
    consumer = _consumer(settings)
    await consumer.start()
    try:
        tps = await partitions_of(consumer, topics)
        if not tps:
            return {}, {}, {}
        begin = await consumer.beginning_offsets(tps)
        end = await consumer.end_offsets(tps)
        at = dict(begin)
        if since is not None:
            found = await consumer.offsets_for_times({tp: int(since * 1000) for tp in tps})
            at = {tp: (found[tp].offset if found.get(tp) else end[tp]) for tp in tps}
        return begin, end, at
    finally:
        await consumer.stop()


def _decode(record: ConsumerRecord[bytes, bytes]) -> ConsumedEvent | None:
    try:
        envelope = Envelope.from_bytes(record.value or b"")
    except (ValidationError, ValueError):
        log.warning("skipping unparsable %s[%d]@%d", record.topic, record.partition, record.offset)
        return None  # the live consumer dead-lettered it; a replay from the DLQ comes later
    return ConsumedEvent(
        envelope=envelope,
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        headers=tuple(record.headers or ()),
        key=record.key,
        raw=record.value or b"",
    )


async def replay(
    settings: ServiceSettings,
    ranges: Mapping[TopicPartition, tuple[int, int]],
    handler_for: Callable[[str], RecordsHandler],
) -> int:
    """Feed messages in ``[start, stop)`` of each partition, in order, to the topic's handler."""
    todo = {tp: r for tp, r in ranges.items() if r[0] < r[1]}
    if not todo:
        return 0
    consumer = _consumer(settings)
    await consumer.start()
    handled = 0
    try:
        consumer.assign(list(todo))
        for tp, (start, _) in todo.items():
            consumer.seek(tp, start)
        while todo:
            batches = await consumer.getmany(*todo, timeout_ms=500, max_records=500)
            for tp, records in batches.items():
                stop = todo[tp][1]
                events = [e for r in records if r.offset < stop and (e := _decode(r))]
                if events:
                    await handler_for(tp.topic)(events)
                    handled += len(events)
            for tp in list(todo):
                if await consumer.position(tp) >= todo[tp][1]:
                    del todo[tp]
                    consumer.pause(tp)
    finally:
        await consumer.stop()
    return handled


async def _members(settings: ServiceSettings, group: str) -> int:
    """How many members the group has. A coordinator that is not there yet (a new cluster
    still creating its offsets topic, a broker restarting) is waited for, not fatal."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + COORDINATOR_WAIT_SECONDS
    while True:
        admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
        try:
            await admin.start()
            responses = await admin.describe_consumer_groups([group])
            return sum(len(g[5]) for r in responses for g in r.groups)
        except KafkaError as exc:
            if not exc.retriable or loop.time() > deadline:
                raise
            log.info("coordinator of group %s not available yet (%s); retrying", group, exc)
        finally:
            await admin.close()
        await asyncio.sleep(0.5)


async def wait_until_empty(settings: ServiceSettings, group: str, *, patience: float) -> None:
    """Wait for a group to have no members (they stopped); raises :class:`GroupBusyError`."""
    deadline = asyncio.get_running_loop().time() + patience
    while (members := await _members(settings, group)) > 0:
        if asyncio.get_running_loop().time() > deadline:
            raise GroupBusyError(f"consumer group {group} still has {members} member(s)")
        await asyncio.sleep(0.5)


async def reset_group(
    settings: ServiceSettings, group: str, offsets: Mapping[TopicPartition, int]
) -> None:
    """Commit ``offsets`` for a group that has no members, so it resumes exactly there.

    Raises :class:`GroupBusyError` when the broker refuses the commit because a member
    joined since the group was seen empty (another copy starting at the same moment).
    """
    if not offsets:
        return
    consumer = _consumer(settings, group_id=group)
    consumer.assign(list(offsets))
    await consumer.start()
    try:
        await consumer.commit(dict(offsets))
    except CommitFailedError as exc:
        raise GroupBusyError(f"consumer group {group} gained a member: {exc}") from exc
    finally:
        await consumer.stop()


async def group_lag(
    settings: ServiceSettings, groups: Mapping[str, list[str]]
) -> list[PartitionLag]:
    """Lag per partition of each group over its topics: end offsets minus committed offsets."""
    consumer = _consumer(settings)
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await consumer.start()
    await admin.start()
    try:
        lags: list[PartitionLag] = []
        for group, topics in groups.items():
            tps = await partitions_of(consumer, topics)
            if not tps:
                continue
            ends = await consumer.end_offsets(tps)
            committed = await admin.list_consumer_group_offsets(group, partitions=tps)
            for tp in tps:
                done = committed.get(tp)
                offset = done.offset if done is not None and done.offset >= 0 else None
                lags.append(PartitionLag(group, tp.topic, tp.partition, ends[tp], offset))
        return lags
    finally:
        await admin.close()
        await consumer.stop()
