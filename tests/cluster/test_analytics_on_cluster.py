"""The analytics integration tests again, with the live state on the local Redis Cluster.

The test functions are the service's own (``services/analytics/tests/integration``); the
fixtures here give them environments whose Redis is the cluster, so every script call,
transaction and multi-key read they make would fail here if it spanned slots.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack

import httpx
import pytest
from redis.asyncio.cluster import RedisCluster

from analytics.main import create_app
from analytics.settings import Settings
from common.events import ARTICLES_TOPIC, COMMENTS_TOPIC, VIEWS_TOPIC
from common.kafka.admin import ensure_topics
from tests.cluster.analytics_cluster import (
    cluster_redis,
    drop_env,
    fresh_cluster_settings,
    load,
    reused,
    testing,
)

pytestmark = pytest.mark.cluster

for _name in ("test_counting", "test_hot", "test_api", "test_visitors_and_bots", "test_durability"):
    globals().update(reused(load(_name)))
globals().update(reused(load("test_counting_script"), "state"))  # its own LiveState fixture


@pytest.fixture(autouse=True)
def _children_use_the_cluster(monkeypatch: pytest.MonkeyPatch) -> None:
    """Consumer and rebuild processes a test starts get the cluster too."""
    for name, value in cluster_redis().items():
        monkeypatch.setenv(f"ANALYTICS_{name.upper()}", value)


@pytest.fixture(scope="module")
def analytics_settings() -> Iterator[Settings]:
    """The shared environment of this module's functional tests."""
    settings = fresh_cluster_settings()
    yield settings
    asyncio.run(drop_env(settings))


@pytest.fixture
def analytics_isolated() -> Iterator[Settings]:
    """A private environment for a test that kills, flushes or rebuilds."""
    settings = fresh_cluster_settings()
    yield settings
    asyncio.run(drop_env(settings))


@pytest.fixture(scope="module")
async def analytics_live(analytics_settings: Settings) -> AsyncIterator[testing.LiveEnv]:
    """The shared environment with its consumers running in this process."""
    await ensure_topics(analytics_settings, [VIEWS_TOPIC, ARTICLES_TOPIC, COMMENTS_TOPIC])
    async with AsyncExitStack() as stack:
        yield await testing.start_consumers(analytics_settings, stack)


@pytest.fixture(scope="module")
async def analytics_client(analytics_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app in-process, on the shared environment."""
    app = create_app(analytics_settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://analytics") as c,
    ):
        yield c


async def test_the_live_state_is_on_the_cluster_in_one_slot(
    analytics_live: testing.LiveEnv,
) -> None:
    env = analytics_live
    redis, keys = env.rt.redis, env.state.keys
    assert isinstance(redis, RedisCluster)
    article = testing.new_article_id()
    await env.publish_views([testing.view(article, f"s{i}") for i in range(3)])

    async def counted() -> None:
        assert (await testing.reads_of(env, article))["reads"] == 3

    await testing.eventually(counted)
    names = [name async for name in redis.scan_iter(match=f"{keys.prefix}*", count=1000)]
    assert len(names) > 10, "counters, buckets, dedup sets, markers, HyperLogLogs..."
    assert {redis.keyslot(name) for name in names} == {redis.keyslot(keys.meta)}
