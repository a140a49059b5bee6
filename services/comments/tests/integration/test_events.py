"""Events leave through the outbox onto Kafka: a decision reaches comments.events promptly."""

from __future__ import annotations

import asyncio
import time
import uuid

from aiokafka import AIOKafkaConsumer
from comments_testing import CommentsDriver, next_id

from common.events import COMMENTS_TOPIC, Envelope


async def test_submission_and_decision_events_reach_kafka(comments_app: CommentsDriver) -> None:
    settings = comments_app.ctx.settings
    consumer = AIOKafkaConsumer(
        settings.topic(COMMENTS_TOPIC),
        bootstrap_servers=settings.kafka_bootstrap,
        group_id=f"test-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="latest",
    )
    await consumer.start()
    try:
        while not consumer.assignment():
            await consumer.getmany(timeout_ms=100)
        for tp in consumer.assignment():  # position at the end before anything happens
            await consumer.position(tp)
        article = await comments_app.article(policy="pre")
        done = await comments_app.submit(article, "等待审核的评论", user=next_id())
        decided_at = time.monotonic()
        await comments_app.decide((done["id"], "approve", ""))
        seen: dict[str, Envelope] = {}
        deadline = time.monotonic() + 10
        while "comment.approved" not in seen and time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=100)).values():
                for record in records:
                    envelope = Envelope.from_bytes(record.value)
                    if envelope.data.get("comment_id") == done["id"]:
                        seen[envelope.event_type] = envelope
                        assert record.key == str(article).encode()
        latency = time.monotonic() - decided_at
        assert set(seen) == {"comment.submitted", "comment.approved"}
        assert seen["comment.submitted"].data["status"] == "pending"
        assert seen["comment.approved"].data["moderator_id"] == 7001
        print(f"decision to Kafka: {latency * 1000:.0f} ms")
    finally:
        await asyncio.wait_for(consumer.stop(), 10)
