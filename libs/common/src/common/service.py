"""Service defaults: the app every service starts from, and how processes run and stop."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any, Protocol

import uvicorn
from fastapi import APIRouter, Depends, FastAPI
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncEngine

from common.auth import TokenVerifier, optional_principal
from common.connections import KEEP_ALIVE_SECONDS, DeadlineHttpToolsProtocol
from common.errors import install_error_handlers
from common.form_encoding import FormEncodingMiddleware
from common.gateway_trust import GatewayTrustMiddleware
from common.health import health_router
from common.http import BodySizeLimitMiddleware, RequestIdMiddleware
from common.http_metrics import UNMEASURED_PATHS, HttpMetricsMiddleware
from common.kafka.producer import EventPublisher, start_producer
from common.outbox import OutboxRelay
from common.probes import probing
from common.redis import create_redis
from common.revocation import RevocationList
from common.settings import ServiceSettings
from common.telemetry import configure_telemetry

Lifespan = Callable[[FastAPI], Any]


def create_service_app(
    *,
    settings: ServiceSettings,
    title: str,
    lifespan: Lifespan,
    routers: Sequence[APIRouter] = (),
    max_body_bytes: int = 64 * 1024,
    identity_from_gateway: bool = True,
    http_metrics: bool = True,
) -> FastAPI:
    """A FastAPI app with health, metrics, tracing, error mapping, request ids and size limits.

    Tokens are checked against the revocation list; with ``identity_from_gateway`` (every
    service but the gateway itself) ``X-Client-Id`` is accepted only with the gateway secret.
    ``http_metrics=False`` leaves request metrics to an outer layer (the gateway's edge).
    """
    # every route checks a bearer token that is sent, even one that needs none: a bad,
    # expired or revoked token is a 401 everywhere, never silently read as anonymous
    app = FastAPI(
        title=title,
        lifespan=_closing_revocations(_probed(lifespan)),
        **_api_docs(settings),
        dependencies=[Depends(optional_principal)],
        # no FastAPI telemetry: the request's span is common.http_spans' (about 30 us a
        # request, against about 230 us for FastAPI's own), its metrics common.http_metrics'
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.token_verifier = TokenVerifier(
        public_key=settings.jwt_public_key,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
    )
    app.state.revocations = RevocationList(
        create_redis(settings.redis_url, cluster_nodes=settings.redis_cluster_nodes),
        prefix=settings.revocation_prefix,
    )
    app.state.readiness_checks = {}
    app.state.metric_samplers = []  # gauges sampled every few seconds (common.probes)
    install_error_handlers(app)
    app.add_middleware(FormEncodingMiddleware)  # added first: it runs inside the size limit
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=max_body_bytes)
    if identity_from_gateway:
        app.add_middleware(GatewayTrustMiddleware, secret=settings.gateway_secret)
    app.add_middleware(RequestIdMiddleware)
    if http_metrics:
        app.add_middleware(HttpMetricsMiddleware, excluded=UNMEASURED_PATHS)
    app.include_router(health_router())
    for router in routers:
        app.include_router(router)
    configure_telemetry(settings, app=app)
    return app


def _api_docs(settings: ServiceSettings) -> dict[str, Any]:
    """No /docs, /redoc or /openapi.json in prod: the API's map is for its developers."""
    if settings.env != "prod":
        return {}
    return {"openapi_url": None, "docs_url": None, "redoc_url": None}


def _closing_revocations(lifespan: Lifespan) -> Lifespan:
    """The service's lifespan, then the revocation list's Redis client closed."""

    @asynccontextmanager
    async def wrapped(app: FastAPI) -> AsyncIterator[None]:
        try:
            async with lifespan(app):
                yield
        finally:
            await app.state.revocations.redis.aclose()

    return wrapped


def _probed(lifespan: Lifespan) -> Lifespan:
    """The service's lifespan with dependency probes and metric samplers running inside it."""

    @asynccontextmanager
    async def wrapped(app: FastAPI) -> AsyncIterator[None]:
        async with (
            lifespan(app),
            probing(
                checks=app.state.readiness_checks,
                kafka_bootstrap=app.state.settings.kafka_bootstrap,
                samplers=app.state.metric_samplers,
            ),
        ):
            yield

    return wrapped


def configure_logging(level: str = "INFO") -> None:
    """Plain, greppable log lines."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")


def serve(app_factory: str, settings: ServiceSettings, *, workers: int = 1) -> None:
    """Run an app factory (``pkg.main:create_app``) with uvicorn."""
    configure_logging()
    uvicorn.run(
        app_factory,
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=workers,
        loop="uvloop",
        http=DeadlineHttpToolsProtocol,  # idle and slow connections are closed
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        access_log=False,
        timeout_graceful_shutdown=5,
    )


@asynccontextmanager
async def running_relay(
    *, settings: ServiceSettings, engine: AsyncEngine, table: Table
) -> AsyncIterator[OutboxRelay]:
    """An outbox relay running in the background for the duration of the block."""
    producer = await start_producer(settings, client_id=f"{settings.service_name}-relay")
    relay = OutboxRelay(
        engine=engine,
        table=table,
        publisher=EventPublisher(producer, settings),
        schema=settings.db_schema,
        poll_interval=settings.relay_poll_interval,
    )
    task = asyncio.create_task(relay.run(), name=f"{settings.service_name}-relay")
    try:
        yield relay
    finally:
        relay.stop()
        await asyncio.wait({task}, timeout=5)
        task.cancel()
        await producer.stop()


class Stoppable(Protocol):
    """A long-running worker: ``run`` until ``stop`` is called."""

    def stop(self) -> None: ...

    def run(self) -> Awaitable[None]: ...


def _stop_all(workers: Sequence[Stoppable]) -> None:
    for worker in workers:
        worker.stop()


async def run_until_signalled(
    workers: Sequence[Stoppable], *, resources: AsyncExitStack | None = None
) -> None:
    """Run workers until SIGTERM/SIGINT, then stop them cleanly (finish, commit, leave group).

    ``/metrics`` is served by :func:`common.telemetry.configure_telemetry` (metrics port).
    """
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, _stop_all, workers)
    tasks: list[asyncio.Future[None]] = [asyncio.ensure_future(w.run()) for w in workers]
    try:
        async with probing(checks={}, kafka_bootstrap=ServiceSettings().kafka_bootstrap):
            await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            for w in workers:
                w.stop()
            await asyncio.gather(*tasks)
    finally:
        if resources is not None:
            await resources.aclose()
