"""The analytics HTTP app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from analytics.adapters.keys import Keys
from analytics.adapters.lag import LagMonitor
from analytics.adapters.read_model import ReadModel
from analytics.api.router import router
from analytics.domain.buckets import hot_windows
from analytics.reads_metrics import reads_sampler
from analytics.runtime import redis_client
from analytics.settings import Settings, get_settings
from common.db import create_engine, ping


def _weights(settings: Settings) -> dict[str, float]:
    return {
        "reads": settings.weight_reads,
        "comments": settings.weight_comments,
        "favourites": settings.weight_favourites,
        "recommends": settings.weight_recommends,
    }


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; clients are created in the lifespan, one per process."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        redis = redis_client(settings)
        engine = create_engine(settings)
        app.state.read_model = ReadModel(
            redis=redis, keys=Keys(settings.redis_prefix), weights=_weights(settings)
        )
        app.state.hot_windows = hot_windows(
            tau_1h=settings.tau_1h_seconds,
            tau_24h=settings.tau_24h_seconds,
            tau_7d=settings.tau_7d_seconds,
        )
        app.state.lag_monitor = LagMonitor(settings)
        app.state.metric_samplers.append(
            reads_sampler(
                model=app.state.read_model,
                window=app.state.hot_windows["1h"],
                cache_seconds=settings.hot_cache_seconds,
            )
        )
        app.state.readiness_checks = {"redis": redis.ping, "postgres": lambda: ping(engine)}
        try:
            yield
        finally:
            await redis.aclose()
            await engine.dispose()

    from common.service import create_service_app

    return create_service_app(
        settings=settings, title="Newsroom analytics", lifespan=lifespan, routers=[router]
    )
