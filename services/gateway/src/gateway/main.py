"""The gateway app: lifespan wiring of clients, caches, consumers and the view recorder."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta

from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from redis.asyncio import Redis
from starlette.types import ASGIApp

from common.auth import TokenIssuer, TokenVerifier
from common.db import create_engine, ping, session_factory
from common.kafka.producer import EventPublisher, start_producer
from common.redis import create_redis
from common.revocation import RevocationList
from common.service import create_service_app
from common.visitor import VisitorHasher
from gateway.adapters.accounts_repo import SqlRefreshStore, SqlUserStore
from gateway.adapters.upstream import create_upstreams
from gateway.api import aggregate, auth, proxy
from gateway.cache.consumer import InvalidationConsumer
from gateway.cache.flight import CacheThrough
from gateway.cache.invalidation import CacheInvalidator
from gateway.cache.store import ResponseCache
from gateway.clients import ClientIds
from gateway.context import Gateway, GatewaySlot
from gateway.domain.login_guard import LoginGuard, LoginPolicy
from gateway.domain.sessions import SessionService
from gateway.edge import EdgeMiddleware
from gateway.ratelimit import Limit, LocalSyncedLimiter, RedisRateLimiter
from gateway.reads.journal import ReadJournal
from gateway.reads.recorder import ReadRecorder
from gateway.reads.responder import CachedAnswers
from gateway.security import SecurityHeadersMiddleware
from gateway.settings import Settings, get_settings
from gateway.web import desk, desk_more, editor, feeds, forms, ops, ops_traces, pages, reactions
from gateway.web.error_pages import HtmlErrorPages
from gateway.web.templates import STATIC_DIR

GC_YOUNG_THRESHOLD = 50_000


def _build(
    settings: Settings, redis: Redis, stack: AsyncExitStack, revocations: RevocationList
) -> Gateway:
    engine = create_engine(settings)
    stack.push_async_callback(engine.dispose)
    sessions = session_factory(engine)
    users = SqlUserStore(sessions)
    limiter = RedisRateLimiter(redis, prefix=settings.redis_prefix)
    cache = ResponseCache(
        redis=redis, prefix=settings.redis_prefix, local_entries=settings.cache_local_entries
    )
    issuer = TokenIssuer(
        private_key=settings.jwt_private_key,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        ttl=timedelta(seconds=settings.access_ttl_seconds),
    )
    return Gateway(
        settings=settings,
        redis=redis,
        engine=engine,
        upstreams=create_upstreams(settings),
        cache=CacheThrough(
            cache, redis=redis, prefix=settings.redis_prefix, enabled=settings.cache_enabled
        ),
        limiter=limiter,
        read_limiter=LocalSyncedLimiter(limiter, Limit("read", settings.rate_read_per_minute)),
        client_ids=ClientIds(
            VisitorHasher(redis, key_prefix=f"{settings.redis_prefix}:visitor-salt")
        ),
        users=users,
        hasher=PasswordHasher(),
        sessions=SessionService(
            issuer=issuer,
            refreshes=SqlRefreshStore(sessions),
            users=users,
            refresh_ttl=timedelta(seconds=settings.refresh_ttl_seconds),
            revocations=revocations,
        ),
        verifier=TokenVerifier(
            public_key=settings.jwt_public_key,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
        ),
        login_guard=LoginGuard(
            redis=redis,
            prefix=settings.redis_prefix,
            policy=LoginPolicy(
                free_failures=settings.login_free_failures,
                max_delay_seconds=settings.login_max_delay_seconds,
                account_free_failures=settings.login_account_free_failures,
                account_max_delay_seconds=settings.login_account_max_delay_seconds,
            ),
        ),
        reads=None,  # type: ignore[arg-type] # set once the producer is up, below
        answers=CachedAnswers(),
    )


def _background(stack: AsyncExitStack, name: str, worker: object) -> None:
    task = asyncio.create_task(worker.run(), name=name)  # type: ignore[attr-defined]

    async def stop() -> None:
        worker.stop()  # type: ignore[attr-defined]
        await asyncio.wait({task}, timeout=5)
        task.cancel()

    stack.push_async_callback(stop)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start every client and background worker; stop them in reverse order."""
    settings: Settings = app.state.settings
    async with AsyncExitStack() as stack:
        redis = create_redis(settings.redis_url, cluster_nodes=settings.redis_cluster_nodes)
        stack.push_async_callback(redis.aclose)
        gw = _build(settings, redis, stack, app.state.revocations)
        for upstream in gw.upstreams.values():
            stack.push_async_callback(upstream.aclose)
        producer = await start_producer(settings, client_id="gateway-views")
        stack.push_async_callback(producer.stop)
        journal = _journal(settings)
        if journal is not None:
            stack.callback(journal.close)  # after the recorder stopped (callbacks run reversed)
        gw.reads = ReadRecorder(
            EventPublisher(producer, settings),
            producer="gateway",
            journal=journal,
            memory_limit=settings.read_memory_limit,
        )
        _background(stack, "read-recorder", gw.reads)
        _background(stack, "read-limit-sync", gw.read_limiter)
        consumer = InvalidationConsumer(
            settings=settings,
            group_id=settings.consumer_group,
            invalidator=CacheInvalidator(gw.cache.cache),
        )
        if settings.invalidation_enabled:
            _background(stack, "cache-invalidation", consumer)
        await gw.client_ids.prepare()
        app.state.gateway = app.state.gateway_slot.gateway = gw
        app.state.readiness_checks.update(_readiness(gw, consumer))
        gc.freeze()  # what startup built lives for good: keep it out of every collection
        # reads allocate many short-lived objects; collect young ones less often
        gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
        yield
        app.state.gateway = app.state.gateway_slot.gateway = None


def _journal(settings: Settings) -> ReadJournal | None:
    if settings.view_journal_dir is None:
        return None
    return ReadJournal(
        settings.view_journal_dir / f"reads-{settings.port}",
        budget_bytes=settings.read_journal_budget_bytes,
    )


def _readiness(gw: Gateway, consumer: InvalidationConsumer) -> dict[str, object]:
    async def database() -> None:
        await ping(gw.engine)

    async def redis() -> None:
        await gw.redis.ping()

    async def invalidation() -> None:
        if gw.settings.invalidation_enabled and not consumer.ready.is_set():
            raise RuntimeError("cache invalidation consumer has no partitions yet")

    return {"database": database, "redis": redis, "invalidation": invalidation}


def create_app(settings: Settings | None = None, *, edge_inside: bool = True) -> FastAPI:
    """The gateway app (the edge inside its middleware stack, for in-process use and tests)."""
    settings = settings or get_settings()
    app = create_service_app(
        settings=settings,
        title="Newsroom gateway",
        lifespan=lifespan,
        routers=[
            auth.router,
            aggregate.router,
            proxy.router,
            pages.router,
            forms.router,
            reactions.router,
            desk.router,
            desk_more.router,
            editor.router,
            ops.router,
            ops_traces.router,
            feeds.router,
        ],
        max_body_bytes=settings.max_body_bytes,
        identity_from_gateway=False,  # the edge names its clients itself
        http_metrics=False,  # the edge observes every request, its fast path included
    )
    app.state.gateway = None
    app.state.gateway_slot = GatewaySlot()
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(HtmlErrorPages)  # inside the security headers, outside every error
    app.add_middleware(SecurityHeadersMiddleware)
    if edge_inside:
        _outermost(app, app.state.gateway_slot)
    return app


def create_asgi() -> ASGIApp:
    """What the server runs: the edge in front of everything, FastAPI's own telemetry included.

    Fresh cached reads are answered before any framework code runs; every other request
    goes on to the app with its tracing, metrics and middleware.
    """
    app = create_app(edge_inside=False)
    return EdgeMiddleware(app, app.state.gateway_slot)


def _outermost(app: FastAPI, slot: GatewaySlot) -> None:
    """Put the edge (limits, fast cached reads) outside everything, tracing included."""
    build = app.build_middleware_stack

    def build_with_edge() -> ASGIApp:
        return EdgeMiddleware(build(), slot)

    app.build_middleware_stack = build_with_edge  # type: ignore[method-assign] # wrapped, not replaced
