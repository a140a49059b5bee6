"""Helpers of the analytics integration tests: consumers in-process, publishing, polling."""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from aiokafka import AIOKafkaProducer

from analytics.adapters.counting import LiveState
from analytics.adapters.recovery import ensure_ready
from analytics.consumers.handlers import EventsHandler, ViewsHandler
from analytics.runtime import Runtime, bot_scorer, runtime
from analytics.settings import Settings
from common.auth import TokenIssuer
from common.events import ARTICLES_TOPIC, COMMENTS_TOPIC, VIEWS_TOPIC, Envelope, EventData
from common.events.articles import ArticlePublished, SectionCommentSettings
from common.events.views import ArticleView, ViewsRecorded
from common.kafka import EventConsumer, EventPublisher, start_producer
from common.settings import DEV_JWT_PRIVATE_KEY

T = TypeVar("T")
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/130.0 Safari/537.36"
_ids = itertools.count(int(time.time() * 1000) % 10**9 * 1000)


def operator_headers() -> dict[str, str]:
    """Authorization of an admin: the operational statistics are for operators only."""
    issuer = TokenIssuer(
        private_key=DEV_JWT_PRIVATE_KEY,
        issuer="newsroom",
        audience="newsroom",
        ttl=timedelta(minutes=30),
    )
    return {"Authorization": f"Bearer {issuer.issue(user_id=1, username='ops', roles=['admin'])}"}


def new_article_id() -> int:
    """An article id no other test uses."""
    return next(_ids)


_section_ids = itertools.count(int(time.time()) % 10**9 + 1)


def new_section_id() -> int:
    """A section id no other test uses (sections are integers, articles bigints)."""
    return next(_section_ids)


@dataclass
class LiveEnv:
    """An environment with consumers running in this process."""

    settings: Settings
    rt: Runtime
    publisher: EventPublisher
    producer: AIOKafkaProducer

    @property
    def state(self) -> LiveState:
        """The live state."""
        return self.rt.state

    async def publish_views(
        self,
        views: Sequence[ArticleView],
        *,
        event_id: uuid.UUID | None = None,
        key: str | None = None,
    ) -> uuid.UUID:
        """Publish one views batch keyed like the gateway's recorder (or by ``key``)."""
        event_id = event_id or uuid.uuid4()
        envelope = Envelope.wrap(
            ViewsRecorded(views=list(views)),
            key=key or str(event_id),
            producer="test",
            event_id=event_id,
        )
        await self.publisher.publish(envelope, topic=VIEWS_TOPIC)
        return envelope.event_id

    async def publish_event(self, payload: EventData, *, at: datetime | None = None) -> None:
        """Publish an article or comment event keyed by its article."""
        key = str(getattr(payload, "article_id", 0))
        envelope = Envelope.wrap(payload, key=key, producer="test", occurred_at=at)
        await self.publisher.publish(envelope, topic=payload.topic)


def view(
    article_id: int,
    visitor: str,
    *,
    at: datetime | None = None,
    user_agent: str = BROWSER,
    section_id: int | None = None,
) -> ArticleView:
    """One read."""
    return ArticleView(
        article_id=article_id,
        section_id=section_id,
        visitor=visitor,
        user_agent=user_agent,
        at=at or datetime.now(UTC),
    )


def published(article_id: int, section_path: list[int], title: str = "新闻") -> ArticlePublished:
    """An article.published event."""
    return ArticlePublished(
        article_id=article_id,
        section_id=section_path[-1],
        section_path=section_path,
        title=title,
        slug=f"a-{article_id}",
        published_at=datetime.now(UTC),
        comments=SectionCommentSettings(section_id=section_path[-1]),
    )


async def eventually(check: Callable[[], Awaitable[T]], *, within: float = 20.0) -> T:
    """Poll ``check`` until it returns without AssertionError, or fail with its last error."""
    deadline = time.monotonic() + within
    while True:
        try:
            return await check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.05)


async def start_consumers(settings: Settings, stack: AsyncExitStack) -> LiveEnv:
    """The service's consumers as tasks in this process, until the stack closes."""
    rt = await stack.enter_async_context(runtime(settings))
    await ensure_ready(settings=settings, state=rt.state, engine=rt.engine)
    producer = await start_producer(settings, client_id="analytics-test")
    stack.push_async_callback(producer.stop)
    scorer = bot_scorer(settings)
    consumers = [
        EventConsumer(
            settings=settings,
            topics=[VIEWS_TOPIC],
            group_id=settings.views_group,
            batch_handler=ViewsHandler(
                state=rt.state, scorer=scorer, dedup_window=settings.dedup_window_seconds
            ),
            dlq_producer=producer,
        ),
        EventConsumer(
            settings=settings,
            topics=[ARTICLES_TOPIC, COMMENTS_TOPIC],
            group_id=settings.events_group,
            handler=EventsHandler(state=rt.state),
            dlq_producer=producer,
        ),
    ]
    tasks = [asyncio.create_task(c.run()) for c in consumers]

    async def stop() -> None:
        for c in consumers:
            c.stop()
        await asyncio.gather(*tasks)

    stack.push_async_callback(stop)
    await asyncio.wait_for(asyncio.gather(*(c.ready.wait() for c in consumers)), 30)
    return LiveEnv(settings, rt, EventPublisher(producer, settings), producer)


async def reads_of(env: LiveEnv, article_id: int) -> dict[str, Any]:
    """An article's counters straight from the live state."""
    from analytics.adapters.read_model import ReadModel

    model = ReadModel(redis=env.rt.redis, keys=env.state.keys, weights={})
    return await model.article(article_id)


def env_for(settings: Settings) -> dict[str, str]:
    """Environment variables that give a child process the same settings."""
    names = (
        "db_schema", "topic_suffix", "topic_partitions", "redis_prefix", "views_group",
        "events_group", "rollup_interval_seconds", "views_per_call", "env",
    )  # fmt: skip
    return {f"ANALYTICS_{n.upper()}": str(getattr(settings, n)) for n in names}


async def digest(env: LiveEnv | Runtime, keys: Any = None) -> dict[str, Any]:
    """The comparable content of a live state."""
    from analytics.adapters.compare import state_digest

    rt = env.rt if isinstance(env, LiveEnv) else env
    return await state_digest(rt.redis, keys or rt.state.keys)


def mixed_traffic(
    articles: list[int], *, batches: int, size: int, seed: int
) -> list[list[ArticleView]]:
    """Batches of reads with repeats and crawlers, spread over a few minutes.

    Each visitor reads within one minute, and no visitor reads fast enough to be scored
    as a bot by behaviour: both of those depend on the order partitions are processed in,
    which a replay does not reproduce (see the README).
    """
    import random

    rng = random.Random(seed)
    now = datetime.now(UTC)
    visitors = [f"{rng.getrandbits(64):016x}" for _ in range(size * 10)]
    when = {v: now - timedelta(seconds=60 * rng.randint(0, 4)) for v in visitors}
    crawlers = {v for v in visitors if rng.random() < 0.05}
    out = []
    for _ in range(batches):
        batch = []
        for _ in range(size):
            visitor = rng.choice(visitors)
            batch.append(
                view(
                    rng.choice(articles),
                    visitor,
                    at=when[visitor],
                    user_agent="Googlebot/2.1" if visitor in crawlers else BROWSER,
                    section_id=1,
                )
            )
        out.append(batch)
    return out
