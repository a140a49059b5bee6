"""``python -m articles.consumers``: the scheduler and an outbox relay, until signalled."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

from articles.adapters.tables import outbox
from articles.scheduler import Scheduler
from articles.settings import get_settings
from common.db import create_engine, session_factory
from common.kafka.producer import EventPublisher, start_producer
from common.outbox import OutboxRelay
from common.service import Stoppable, configure_logging, run_until_signalled
from common.telemetry import configure_telemetry


async def main() -> None:
    """Run the workers with one engine and one producer for the process."""
    settings = get_settings()
    configure_telemetry(settings)
    engine = create_engine(settings)
    resources = AsyncExitStack()
    resources.push_async_callback(engine.dispose)
    workers: list[Stoppable] = [
        Scheduler(
            sessions=session_factory(engine),
            interval=settings.scheduler_interval,
            batch=settings.scheduler_batch,
        )
    ]
    producer = await start_producer(settings, client_id="articles-worker-relay")
    resources.push_async_callback(producer.stop)
    workers.append(
        OutboxRelay(
            engine=engine,
            table=outbox,
            publisher=EventPublisher(producer, settings),
            schema=settings.db_schema,
            poll_interval=settings.relay_poll_interval,
        )
    )
    await run_until_signalled(workers, resources=resources)


if __name__ == "__main__":
    configure_logging()
    asyncio.run(main())
