"""Processes the integration tests start and kill: an event consumer and a relay that hangs.

Run as ``python common_procs.py consume|relay-hang``; configuration comes from the
environment (``NEWSROOM_*`` plus ``TEST_*``), like a real service process.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from opentelemetry import trace
from sqlalchemy import Column, Integer, MetaData, String, Table, Uuid, text

from common.db import create_engine, session_factory, transaction
from common.events import ARTICLES_TOPIC
from common.idempotency import claim_event, processed_events_table
from common.kafka import ConsumedEvent, EventConsumer, EventPublisher, start_producer
from common.outbox import OutboxRelay, outbox_table
from common.service import configure_logging, run_until_signalled
from common.settings import ServiceSettings
from common.telemetry import configure_telemetry

metadata = MetaData()
outbox = outbox_table(metadata)
processed = processed_events_table(metadata)
handled = Table(
    "handled",
    metadata,
    Column("event_id", Uuid, primary_key=True),
    Column("article_id", Integer, nullable=False),
    Column("consumer", String(50), primary_key=True),
    Column("trace_id", String(32), nullable=False),
)
duplicates = Table(
    "duplicates",
    metadata,
    Column("event_id", Uuid, nullable=False),
)
notes = Table("notes", metadata, Column("id", Integer, primary_key=True), Column("body", String))


async def consume(settings: ServiceSettings) -> None:
    """Handle article events once each, recording the trace they arrived in."""
    engine = create_engine(settings)
    sessions = session_factory(engine)
    name = os.environ["TEST_GROUP"]

    async def handle(event: ConsumedEvent) -> None:
        trace_id = format(trace.get_current_span().get_span_context().trace_id, "032x")
        async with transaction(sessions) as session:
            if await claim_event(
                session, processed, consumer=name, event_id=event.envelope.event_id
            ):
                await session.execute(
                    handled.insert().values(
                        event_id=event.envelope.event_id,
                        article_id=event.envelope.data["article_id"],
                        consumer=name,
                        trace_id=trace_id,
                    )
                )
            else:
                await session.execute(duplicates.insert().values(event_id=event.envelope.event_id))

    dlq = await start_producer(settings, client_id="test-dlq")
    consumer = EventConsumer(
        settings=settings,
        topics=[ARTICLES_TOPIC],
        group_id=os.environ["TEST_GROUP"],
        handler=handle,
        dlq_producer=dlq,
    )
    try:
        await run_until_signalled([consumer])
    finally:
        await dlq.stop()
        await engine.dispose()


class _HangingRelay(OutboxRelay):
    async def before_mark_sent(self, row_ids: list[int]) -> None:
        marker = Path(os.environ["TEST_MARKER"])
        await asyncio.to_thread(marker.write_text, ",".join(map(str, row_ids)))
        await asyncio.sleep(3600)  # the test kills the process here


async def relay_hang(settings: ServiceSettings) -> None:
    """Publish one batch, then hang before marking it sent (the test SIGKILLs us)."""
    engine = create_engine(settings)
    producer = await start_producer(settings, client_id="test-relay")
    relay = _HangingRelay(
        engine=engine, table=outbox, publisher=EventPublisher(producer, settings), schema="x"
    )
    await relay.relay_once()


async def create_tables(settings: ServiceSettings) -> None:
    """Create the test schema and tables."""
    engine = create_engine(settings)
    async with engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{settings.db_schema}"'))
        await conn.execute(text(f'SET search_path TO "{settings.db_schema}"'))
        await conn.run_sync(metadata.create_all)
    await engine.dispose()


def main() -> None:
    """Entry point for the subprocesses."""
    configure_logging()
    settings = ServiceSettings(service_name=os.environ.get("TEST_SERVICE_NAME", "common-proc"))
    configure_telemetry(settings)
    mode = sys.argv[1]
    asyncio.run(consume(settings) if mode == "consume" else relay_hang(settings))


if __name__ == "__main__":
    main()
