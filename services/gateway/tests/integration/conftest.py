"""The gateway app in process against the real Postgres, Redis and Kafka (unique names)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from common.db import create_engine
from common.events import ALL_TOPICS
from common.kafka.admin import ensure_topics
from common.migrations import migrate_schema
from gateway.main import create_app
from gateway.settings import Settings

ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"


@pytest.fixture(scope="session")
def gateway_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings of a fresh schema, Redis prefix, topic suffix and view journal dir."""
    uid = uuid.uuid4().hex[:8]
    settings = Settings(
        # never a running gateway's journal (one writer per file): a directory of our own
        view_journal_dir=tmp_path_factory.mktemp("views"),
        db_schema=f"gateway_it_{uid}",
        redis_prefix=f"gwit{uid}",
        revocation_prefix=f"gwit{uid}:auth",
        topic_suffix=f".gwit{uid}",
        env="test",
        # nothing listens here: upstream calls fail fast, which these tests rely on
        articles_url="http://127.0.0.1:9",
        comments_url="http://127.0.0.1:9",
        analytics_url="http://127.0.0.1:9",
    )
    migrate_schema(ALEMBIC_INI, settings.db_schema)
    return settings


@pytest.fixture(scope="session")
async def gateway_app(gateway_settings: Settings) -> AsyncIterator[FastAPI]:
    """The app with its lifespan running (producer, consumer, Redis, database)."""
    await ensure_topics(gateway_settings, ALL_TOPICS, partitions=1)
    app = create_app(gateway_settings)
    async with app.router.lifespan_context(app):
        yield app
    engine = create_engine(gateway_settings)
    async with engine.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA IF EXISTS "{gateway_settings.db_schema}" CASCADE'))
    await engine.dispose()


@pytest.fixture
async def gateway_client(gateway_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client talking to the app in process."""
    transport = httpx.ASGITransport(app=gateway_app, client=("203.0.113.7", 4242))
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
        yield client
