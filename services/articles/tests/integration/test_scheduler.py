"""The scheduler publishes due articles on time, exactly once, even with copies racing."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from articles.adapters.tables import articles, outbox
from articles.scheduler import Scheduler

from .conftest import ArticlesApi, soon


async def _make_due(sessions: async_sessionmaker[AsyncSession], ids: list[int]) -> None:
    """Time passes: move their schedule into the past."""
    async with sessions() as session, session.begin():
        await session.execute(
            update(articles)
            .where(articles.c.id.in_(ids))
            .values(scheduled_at=func.now() - func.make_interval(0, 0, 0, 0, 0, 0, 1))
        )


async def test_not_published_before_its_time(
    api: ArticlesApi,
    articles_client: httpx.AsyncClient,
    articles_sessions: async_sessionmaker[AsyncSession],
) -> None:
    section = await api.section()
    aid = await api.draft(section["id"], "未来的文章")
    assert (await api.act(aid, "schedule", publish_at=soon(days=1))).status_code == 200
    scheduler = Scheduler(sessions=articles_sessions, interval=0.05)
    assert aid not in await scheduler.tick()
    assert (await articles_client.get(f"/api/v1/articles/{aid}")).status_code == 404


async def test_running_scheduler_publishes_on_time(
    api: ArticlesApi,
    articles_client: httpx.AsyncClient,
    articles_sessions: async_sessionmaker[AsyncSession],
) -> None:
    section = await api.section()
    aid = await api.draft(section["id"], "定时发布")
    assert (await api.act(aid, "schedule", publish_at=soon(seconds=1.0))).status_code == 200
    scheduler = Scheduler(sessions=articles_sessions, interval=0.05)
    task = asyncio.create_task(scheduler.run())
    try:
        deadline = time.monotonic() + 10
        while (await articles_client.get(f"/api/v1/articles/{aid}")).status_code != 200:
            assert time.monotonic() < deadline, "not published within 10 s"
            await asyncio.sleep(0.05)
    finally:
        scheduler.stop()
        await task
    body = (await articles_client.get(f"/api/v1/articles/{aid}")).json()
    assert body["status"] == "published"
    assert body["scheduled_at"] is None


async def test_two_schedulers_racing_publish_each_article_once(
    api: ArticlesApi, articles_sessions: async_sessionmaker[AsyncSession]
) -> None:
    section = await api.section()
    ids = [await api.draft(section["id"], f"并发定时 {i}") for i in range(30)]
    for aid in ids:
        assert (await api.act(aid, "schedule", publish_at=soon(days=1))).status_code == 200
    await _make_due(articles_sessions, ids)
    first = Scheduler(sessions=articles_sessions, interval=0.01, batch=4)
    second = Scheduler(sessions=articles_sessions, interval=0.01, batch=4)
    done_a, done_b = await asyncio.gather(first.tick(), second.tick())
    mine = set(ids)
    by_a, by_b = mine & set(done_a), mine & set(done_b)
    assert by_a | by_b == mine
    assert not by_a & by_b  # nobody published twice
    async with articles_sessions() as session:
        events = Counter(
            r.key
            for r in await session.execute(
                select(outbox.c.key).where(
                    outbox.c.event_type == "article.published",
                    outbox.c.key.in_([str(i) for i in ids]),
                )
            )
        )
        statuses = set(
            (
                await session.execute(select(articles.c.status).where(articles.c.id.in_(ids)))
            ).scalars()
        )
    assert events == Counter({str(i): 1 for i in ids})
    assert statuses == {"published"}
