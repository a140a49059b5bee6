"""``python -m comments.consumers``: article events into the local replica until signalled."""

from __future__ import annotations

from contextlib import AsyncExitStack

import uvloop

from comments.consumers.articles import article_events_consumer
from comments.settings import get_settings
from common.db import create_engine, session_factory
from common.events import ARTICLES_TOPIC
from common.kafka import start_producer
from common.kafka.admin import ensure_topics
from common.service import configure_logging, run_until_signalled
from common.telemetry import configure_telemetry


async def main() -> None:
    """Run the consumer until SIGTERM/SIGINT."""
    settings = get_settings()
    configure_logging()
    configure_telemetry(settings)
    await ensure_topics(settings, [ARTICLES_TOPIC])  # the consumer may start before the producer
    engine = create_engine(settings)
    resources = AsyncExitStack()
    resources.push_async_callback(engine.dispose)
    dlq = await start_producer(settings, client_id="comments-dlq")
    resources.push_async_callback(dlq.stop)
    consumer = article_events_consumer(
        settings=settings, sessions=session_factory(engine), dlq_producer=dlq
    )
    await run_until_signalled([consumer], resources=resources)


if __name__ == "__main__":
    uvloop.run(main())
