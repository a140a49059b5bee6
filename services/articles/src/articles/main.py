"""The articles HTTP app: lifespan owns the engine, the outbox relay and the segmenter."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from articles.adapters.tables import articles, outbox
from articles.api import discovery, editing, reactions, reading, sections
from articles.domain import segmentation
from articles.domain.related import RecentRelated
from articles.settings import Settings, get_settings
from common.db import create_engine, ping, session_factory
from common.service import create_service_app, running_relay


async def teach_tags(engine: AsyncEngine) -> None:
    """Load the segmenter and add every tag editors have used as a dictionary word."""
    await asyncio.to_thread(segmentation.ensure_ready)
    async with engine.connect() as conn:
        tags = (await conn.execute(select(func.unnest(articles.c.tags)).distinct())).scalars()
        await asyncio.to_thread(segmentation.add_domain_words, list(tags))


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app; ``settings`` overrides the environment (tests)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings)
        app.state.engine = engine
        app.state.sessions = session_factory(engine)
        app.state.recent_related = RecentRelated()
        app.state.readiness_checks["postgres"] = lambda: ping(engine)
        async with AsyncExitStack() as stack:
            stack.push_async_callback(engine.dispose)
            await teach_tags(engine)
            if settings.relay_in_process:
                await stack.enter_async_context(
                    running_relay(settings=settings, engine=engine, table=outbox)
                )
            yield

    return create_service_app(
        settings=settings,
        title="Newsroom articles",
        lifespan=lifespan,
        routers=[
            sections.router,
            reading.router,
            editing.router,
            reactions.router,
            reactions.favourites_router,
            discovery.router,
        ],
        max_body_bytes=settings.max_body_bytes,
    )
