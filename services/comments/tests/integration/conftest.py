"""Real Postgres, Redis and Kafka: a unique schema, topic suffix and Redis prefix per session."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from comments_testing import CommentsDriver, bearer, drop_env, fresh_settings

from comments.main import create_app
from comments.settings import Settings
from common.events import ARTICLES_TOPIC, COMMENTS_TOPIC
from common.kafka.admin import ensure_topics


@pytest.fixture(scope="session")
def comments_settings() -> Iterator[Settings]:
    """The environment shared by the session's tests (each test uses its own ids)."""
    settings = fresh_settings()
    yield settings
    asyncio.run(drop_env(settings))


@pytest.fixture(scope="session")
async def comments_app(comments_settings: Settings) -> AsyncIterator[CommentsDriver]:
    """The app in process (relay running), driven over ASGI."""
    await ensure_topics(comments_settings, [ARTICLES_TOPIC, COMMENTS_TOPIC], partitions=2)
    app = create_app(comments_settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://comments") as http:
            yield CommentsDriver(
                http=http, ctx=app.state.ctx, moderator=bearer(7001, "moderator", name="mod1")
            )
