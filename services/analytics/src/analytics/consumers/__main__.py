"""``python -m analytics.consumers``: count views, follow article/comment events, roll up.

When the live state vanishes while running (Redis lost its data), the consumers stop,
the state is restored from the last rollup and Kafka, and counting resumes, all in this
process (``consume`` returns 75 for that round).
"""

from __future__ import annotations

import gc
import logging
import sys
from contextlib import AsyncExitStack

import uvloop

from analytics.adapters.recovery import ensure_ready
from analytics.adapters.rollup import RollupWorker
from analytics.consumers.handlers import EventsHandler, ViewsHandler
from analytics.runtime import bot_scorer, runtime
from analytics.settings import Settings, get_settings
from common.events import ARTICLES_TOPIC, COMMENTS_TOPIC, VIEWS_TOPIC
from common.kafka import EventConsumer, start_producer
from common.kafka.admin import ensure_topics
from common.service import Stoppable, configure_logging, run_until_signalled
from common.telemetry import configure_telemetry

log = logging.getLogger("analytics.consumers")
EXIT_STATE_LOST = 75


async def consume(settings: Settings) -> int:
    """Run until signalled; returns the process exit status."""
    lost = False
    workers: list[Stoppable] = []

    def on_state_lost() -> None:
        nonlocal lost
        lost = True
        for worker in workers:
            worker.stop()

    async with AsyncExitStack() as stack:
        rt = await stack.enter_async_context(runtime(settings))
        await ensure_topics(settings, [VIEWS_TOPIC, ARTICLES_TOPIC, COMMENTS_TOPIC])
        await ensure_ready(settings=settings, state=rt.state, engine=rt.engine)
        dlq = await start_producer(settings, client_id="analytics-dlq")
        stack.push_async_callback(dlq.stop)
        scorer = bot_scorer(settings)
        workers += [
            EventConsumer(
                settings=settings,
                topics=[VIEWS_TOPIC],
                group_id=settings.views_group,
                batch_handler=ViewsHandler(
                    state=rt.state,
                    scorer=scorer,
                    on_state_lost=on_state_lost,
                    views_per_call=settings.views_per_call,
                    dedup_window=settings.dedup_window_seconds,
                ),
                max_records=settings.consumer_max_records,
                dlq_producer=dlq,
            ),
            EventConsumer(
                settings=settings,
                topics=[ARTICLES_TOPIC, COMMENTS_TOPIC],
                group_id=settings.events_group,
                handler=EventsHandler(state=rt.state, on_state_lost=on_state_lost),
                dlq_producer=dlq,
            ),
            RollupWorker(
                state=rt.state, engine=rt.engine, interval=settings.rollup_interval_seconds
            ),
        ]
        await run_until_signalled(workers)
    return EXIT_STATE_LOST if lost else 0


def main() -> None:
    """Entry point."""
    configure_logging()
    settings = get_settings()
    configure_telemetry(settings)
    # the views path allocates many short-lived dicts and no cycles: collect rarely
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)
    while (status := uvloop.run(consume(settings))) == EXIT_STATE_LOST:
        log.warning("live state lost: restoring from the last rollup and Kafka, then resuming")
    sys.exit(status)


if __name__ == "__main__":
    main()
