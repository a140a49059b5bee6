"""The articles-events consumer: each event applied once, in its own transaction."""

from __future__ import annotations

from aiokafka import AIOKafkaProducer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from comments.adapters.tables import processed_events
from comments.domain.replica import apply_article_event
from comments.settings import Settings
from common.db import transaction
from common.events import ARTICLES_TOPIC
from common.idempotency import claim_event
from common.kafka import ConsumedEvent, EventConsumer


def article_events_consumer(
    *,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    dlq_producer: AIOKafkaProducer,
) -> EventConsumer:
    """A consumer of ``articles.events`` that keeps the replica (idempotent by event id)."""
    group = settings.consumer_group

    async def handle(event: ConsumedEvent) -> None:
        async with transaction(sessions) as session:
            envelope = event.envelope
            if await claim_event(
                session, processed_events, consumer=group, event_id=envelope.event_id
            ):
                await apply_article_event(session, envelope)

    return EventConsumer(
        settings=settings,
        topics=[ARTICLES_TOPIC],
        group_id=group,
        handler=handle,
        dlq_producer=dlq_producer,
    )
