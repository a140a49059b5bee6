"""Real Kafka, Redis and Postgres: a unique schema, topics, groups and key prefix per env."""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from pathlib import Path

import httpx
import pytest

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from analytics_testing import LiveEnv, start_consumers  # noqa: E402

from analytics.main import create_app  # noqa: E402 - after the path above
from analytics.settings import Settings  # noqa: E402
from common.db import drop_schema  # noqa: E402
from common.events import ARTICLES_TOPIC, COMMENTS_TOPIC, VIEWS_TOPIC  # noqa: E402
from common.kafka.admin import ensure_topics  # noqa: E402
from common.migrations import migrate_schema  # noqa: E402

ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"


def fresh_settings(**overrides: object) -> Settings:
    """Settings of a new isolated environment (its schema is migrated here)."""
    tag = uuid.uuid4().hex[:10]
    schema = f"analytics_test_{tag}"
    migrate_schema(ALEMBIC_INI, schema)
    values: dict[str, object] = {
        "env": "test",
        "db_schema": schema,
        "db_pool_size": 3,
        "topic_suffix": f".t{tag}",
        "topic_partitions": 3,
        "redis_prefix": f"analytics-test-{tag}:",
        "views_group": f"analytics-views-{tag}",
        "events_group": f"analytics-events-{tag}",
        "rollup_interval_seconds": 0,
        "hot_cache_seconds": 0,
        "restore_wait_seconds": 30,
    }
    return Settings.model_validate(values | overrides)


async def drop_env(settings: Settings) -> None:
    """Drop an environment's schema and Redis keys (topics are left: they are unique)."""
    await drop_schema(settings)
    from analytics.adapters.keys import Keys
    from analytics.adapters.restore import wipe
    from analytics.runtime import redis_client

    redis = redis_client(settings)
    await wipe(redis, Keys(settings.redis_prefix))
    await redis.aclose()


@pytest.fixture(scope="session")
def analytics_settings() -> Iterator[Settings]:
    """The shared environment of the functional tests."""
    settings = fresh_settings()
    yield settings
    asyncio.run(drop_env(settings))


@pytest.fixture
def analytics_isolated() -> Iterator[Settings]:
    """A private environment for a test that kills, flushes or rebuilds."""
    settings = fresh_settings()
    yield settings
    asyncio.run(drop_env(settings))


@pytest.fixture(scope="session")
async def analytics_live(analytics_settings: Settings) -> AsyncIterator[LiveEnv]:
    """The shared environment with its consumers running in this process."""
    await ensure_topics(analytics_settings, [VIEWS_TOPIC, ARTICLES_TOPIC, COMMENTS_TOPIC])
    async with AsyncExitStack() as stack:
        yield await start_consumers(analytics_settings, stack)


@pytest.fixture(scope="session")
async def analytics_client(analytics_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app in-process, on the shared environment."""
    app = create_app(analytics_settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://analytics") as c,
    ):
        yield c
