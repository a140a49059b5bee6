"""Real Postgres and Kafka: a unique schema and topic suffix per test session."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from articles.main import create_app
from articles.settings import Settings, get_settings
from common.auth import TokenIssuer
from common.db import create_engine, session_factory
from common.events import ARTICLES_TOPIC
from common.kafka.admin import ensure_topics
from common.settings import DEV_JWT_PRIVATE_KEY

ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"


@pytest.fixture(scope="session")
def articles_settings() -> Iterator[Settings]:
    """Settings naming a fresh schema (migrated here) and fresh topics."""
    tag = uuid.uuid4().hex[:10]
    schema = f"articles_test_{tag}"
    previous = os.environ.get("ARTICLES_DB_SCHEMA")
    os.environ["ARTICLES_DB_SCHEMA"] = schema
    try:
        get_settings.cache_clear()
        command.upgrade(Config(str(ALEMBIC_INI)), "head")
    finally:
        if previous is None:
            os.environ.pop("ARTICLES_DB_SCHEMA", None)
        else:
            os.environ["ARTICLES_DB_SCHEMA"] = previous
        get_settings.cache_clear()
    settings = Settings(
        db_schema=schema, topic_suffix=f".t{tag}", relay_poll_interval=0.02, env="test"
    )
    yield settings
    asyncio.run(_drop_schema(settings))


async def _drop_schema(settings: Settings) -> None:
    engine = create_engine(settings)
    async with engine.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA IF EXISTS "{settings.db_schema}" CASCADE'))
    await engine.dispose()


@pytest.fixture(scope="session")
async def articles_topics(articles_settings: Settings) -> Settings:
    """The test session's articles topic exists."""
    await ensure_topics(articles_settings, [ARTICLES_TOPIC], partitions=3)
    return articles_settings


@pytest.fixture(scope="session")
async def articles_engine(articles_settings: Settings) -> AsyncIterator[AsyncEngine]:
    """An engine on the test schema for direct domain calls and checks."""
    engine = create_engine(articles_settings)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def articles_sessions(articles_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions on the test schema."""
    return session_factory(articles_engine)


@pytest.fixture(scope="session")
async def articles_client(articles_topics: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app in process (lifespan running: relay included), driven over ASGI."""
    app = create_app(articles_topics)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://articles") as client:
            yield client


def _issuer() -> TokenIssuer:
    return TokenIssuer(
        private_key=DEV_JWT_PRIVATE_KEY,
        issuer="newsroom",
        audience="newsroom",
        ttl=timedelta(minutes=30),
    )


def bearer(user_id: int, *roles: str) -> dict[str, str]:
    """Authorization header of a user with roles."""
    token = _issuer().issue(user_id=user_id, username=f"user{user_id}", roles=list(roles))
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="session")
def editor_headers() -> dict[str, str]:
    """An editor's Authorization header."""
    return bearer(900, "editor")


@pytest.fixture(scope="session")
def reader_headers() -> dict[str, str]:
    """A reader's Authorization header."""
    return bearer(901, "reader")
