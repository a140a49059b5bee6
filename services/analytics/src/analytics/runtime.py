"""Process resources shared by the API, the consumers and the command-line tools."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from analytics.adapters.counting import CountingRules, LiveState
from analytics.adapters.keys import Keys
from analytics.domain.bots import BotScorer
from analytics.settings import Settings
from common.db import create_engine
from common.redis import create_redis


def redis_client(settings: Settings) -> Redis:
    """One pooled client per process, with explicit timeouts."""
    return create_redis(
        settings.redis_url,
        cluster_nodes=settings.redis_cluster_nodes,
        socket_timeout=30.0,
        connect_timeout=2.0,
        max_connections=64,
    )


@dataclass(frozen=True, slots=True)
class Runtime:
    """Clients of one process."""

    redis: Redis
    engine: AsyncEngine
    state: LiveState


@asynccontextmanager
async def runtime(settings: Settings, *, prefix: str | None = None) -> AsyncIterator[Runtime]:
    """Redis, Postgres and the live state for the duration of the block."""
    redis = redis_client(settings)
    engine = create_engine(settings)
    state = LiveState(
        redis=redis,
        keys=Keys(prefix if prefix is not None else settings.redis_prefix),
        rules=CountingRules.from_settings(settings),
    )
    try:
        yield Runtime(redis, engine, state)
    finally:
        await redis.aclose()
        await engine.dispose()


def bot_scorer(settings: Settings) -> BotScorer:
    """The user-agent scorer configured by settings."""
    return BotScorer(
        settings.bot_ua_patterns,
        empty_ua_score=settings.bot_empty_ua_score,
        threshold=settings.bot_score_threshold,
    )
