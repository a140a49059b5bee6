"""The demo loader fills a fresh schema once, through the domain (events included)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from articles.adapters.store import load_tree
from articles.adapters.tables import articles, outbox, sections
from articles.demo.loader import load_demo
from articles.domain.sections import SectionTree
from articles.settings import Settings
from common.db import create_engine, session_factory

from .conftest import migrate


@pytest.fixture
async def demo_sessions() -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on a schema of its own (the demo must not mix with other tests' data)."""
    schema = f"articles_demo_{uuid.uuid4().hex[:10]}"
    await asyncio.to_thread(migrate, schema)
    engine = create_engine(Settings(db_schema=schema))
    yield session_factory(engine)
    async with engine.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    await engine.dispose()


async def test_demo_loads_once_with_policies_and_events(
    demo_sessions: async_sessionmaker[AsyncSession],
) -> None:
    report = await load_demo(demo_sessions)
    assert report is not None
    assert report.published >= 60
    assert await load_demo(demo_sessions) is None  # idempotent
    async with demo_sessions() as session:
        tree: SectionTree = await load_tree(session)
        counts = dict(
            (
                await session.execute(
                    select(articles.c.status, func.count()).group_by(articles.c.status)
                )
            ).all()
        )
        published_events = await session.scalar(
            select(func.count()).where(outbox.c.event_type == "article.published")
        )
        titles = (await session.execute(select(articles.c.title))).scalars().all()
        depth = max(len(tree.path(s)) for s in tree.by_id)
        names = set((await session.execute(select(sections.c.name))).scalars())
    assert counts == {"published": report.published, "scheduled": 1, "draft": 1}
    assert published_events == report.published
    assert len(set(titles)) == len(titles)
    assert depth == 3
    assert {"新闻中心", "国内新闻", "地方传真"} <= names
    assert "首页" not in names  # the portal's home link sits above the root sections
    policies = {tree.effective(s).comment_policy for s in tree.by_id}
    assert policies == {"pre", "first", "post"}
    assert any(not tree.effective(s).comments_open for s in tree.by_id)
