"""The consumer runner on the real broker: dead letters and sharing partitions."""

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

from aiokafka import AIOKafkaProducer

from common.events import ARTICLES_TOPIC, Envelope
from common.events.articles import ArticleDeleted
from common.kafka import (
    ConsumedEvent,
    EventConsumer,
    EventPublisher,
    RetryPolicy,
    list_dead_letters,
    start_producer,
)
from common.settings import ServiceSettings


async def poll(check: Callable[[], Any], *, deadline: float = 30.0) -> Any:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if result := check():
            return result
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met before the deadline")


async def publish(
    settings: ServiceSettings,
    producer: AIOKafkaProducer,
    article_ids: list[int],
    key: str | None = None,
) -> list[Envelope]:
    publisher = EventPublisher(producer, settings)
    envelopes = [
        Envelope.wrap(ArticleDeleted(article_id=a, section_id=1), key=key or str(a), producer="t")
        for a in article_ids
    ]
    await publisher.publish_many((e, ARTICLES_TOPIC, None) for e in envelopes)
    return envelopes


async def test_a_poison_message_is_dead_lettered_and_the_partition_moves_on(
    common_infra: ServiceSettings,
) -> None:
    producer = await start_producer(common_infra, client_id="test-dlq")
    base = 700_000 + int(uuid.uuid4().int % 10_000) * 10
    ids = [base + i for i in range(5)]
    poison = ids[1]
    handled: list[int] = []

    async def handle(event: ConsumedEvent) -> None:
        article_id = event.envelope.data["article_id"]
        if article_id == poison:
            raise ValueError("this handler always fails on it")
        if article_id in ids:
            handled.append(article_id)

    consumer = EventConsumer(
        settings=common_infra,
        topics=[ARTICLES_TOPIC],
        group_id=f"dlq-{base}",
        handler=handle,
        retry=RetryPolicy(attempts=3, backoff=0.01),
        dlq_producer=producer,
    )
    task = asyncio.create_task(consumer.run())
    try:
        envelopes = await publish(common_infra, producer, ids, key="same-partition")
        await poll(lambda: len(handled) == 4)
        assert handled == [i for i in ids if i != poison], "messages behind the poison, in order"
        letters = await list_dead_letters(settings=common_infra, topic=ARTICLES_TOPIC, limit=1000)
        ours = [
            d for d in letters if Envelope.from_bytes(d.value).event_id == envelopes[1].event_id
        ]
        assert len(ours) == 1
        assert "ValueError: this handler always fails on it" in ours[0].error
        assert ours[0].original_topic == common_infra.topic(ARTICLES_TOPIC)
        assert ours[0].consumer_group == f"dlq-{base}"
    finally:
        consumer.stop()
        await task
        await producer.stop()


async def test_two_consumers_share_partitions_and_hand_over_without_loss_or_redo(
    common_infra: ServiceSettings,
) -> None:
    producer = await start_producer(common_infra, client_id="test-group")
    group = f"share-{uuid.uuid4().hex[:8]}"
    seen: Counter[uuid.UUID] = Counter()
    by_consumer: dict[str, set[int]] = {"a": set(), "b": set()}

    def handler(name: str) -> Callable[[ConsumedEvent], Any]:
        async def handle(event: ConsumedEvent) -> None:
            seen[event.envelope.event_id] += 1
            by_consumer[name].add(event.partition)
            await asyncio.sleep(0.002)  # some work, so the hand-over happens mid-stream

        return handle

    a = EventConsumer(
        settings=common_infra,
        topics=[ARTICLES_TOPIC],
        group_id=group,
        handler=handler("a"),
        dlq_producer=producer,
        max_records=20,
    )
    b = EventConsumer(
        settings=common_infra,
        topics=[ARTICLES_TOPIC],
        group_id=group,
        handler=handler("b"),
        dlq_producer=producer,
        max_records=20,
    )
    task_a = asyncio.create_task(a.run())
    task_b = asyncio.create_task(b.run())
    try:
        # Keep the stream flowing until both members hold partitions: one member may take
        # everything published before the other has joined the group.
        first: list[Envelope] = []
        end = time.monotonic() + 60
        while not (by_consumer["a"] and by_consumer["b"]):
            assert time.monotonic() < end, "both members never held a partition"
            start = len(first) + 1
            first += await publish(common_infra, producer, list(range(start, start + 100)))
            await asyncio.sleep(0.5)
        b.stop()
        await task_b
        second = await publish(common_infra, producer, list(range(401, 601)))
        ours = {e.event_id for e in first + second}
        await poll(lambda: ours <= set(seen), deadline=60)
    finally:
        a.stop()
        await task_a
        await producer.stop()
    redone = [event_id for event_id in ours if seen[event_id] > 1]
    assert redone == [], "work committed before the hand-over was done again"
