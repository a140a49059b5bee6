"""The comments app: factory and lifespan (clients, outbox relay, readiness checks)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from comments.adapters.tables import outbox
from comments.api import comments_router, desk_router, lists_router
from comments.context import CommentsContext
from comments.queue_metrics import queue_sampler
from comments.settings import Settings, get_settings
from common.db import ping
from common.http import BodySizeLimitMiddleware
from common.service import create_service_app, running_relay

log = logging.getLogger(__name__)


class NoSniffMiddleware:
    """Browsers must never guess a response is HTML: comment text is plain text in JSON."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_nosniff(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"x-content-type-options", b"nosniff"))
            await send(message)

        await self.app(scope, receive, send_nosniff if scope["type"] == "http" else send)


class SmallBodiesMiddleware:
    """Comment-sized bodies everywhere except word-list uploads (thousands of words)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, exempt_prefix: str) -> None:
        self.app = app
        self.limited = BodySizeLimitMiddleware(app, max_bytes=max_bytes)
        self.exempt_prefix = exempt_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith(self.exempt_prefix):
            await self.limited(scope, receive, send)
        else:
            await self.app(scope, receive, send)


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
}


async def _http_error(request: Request, exc: Exception) -> Response:
    """Framework errors in the same shape as domain errors: ``{"error", "detail"}``."""
    assert isinstance(exc, StarletteHTTPException)  # noqa: S101 - registered for it only
    if exc.status_code == 400 and "parsing the body" in str(exc.detail):
        body = {"error": "invalid_encoding", "detail": "the request body is not valid UTF-8 JSON"}
    else:
        body = {"error": _HTTP_CODES.get(exc.status_code, "http_error"), "detail": exc.detail}
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Create the process's clients, start the outbox relay, register readiness checks."""
    settings: Settings = app.state.settings
    ctx = CommentsContext.create(settings)
    app.state.ctx = ctx
    checks = app.state.readiness_checks
    checks["postgres"] = lambda: ping(ctx.engine)
    checks["redis"] = ctx.redis.ping
    app.state.metric_samplers.append(queue_sampler(ctx))
    async with AsyncExitStack() as stack:
        stack.push_async_callback(ctx.close)
        if settings.relay_in_process:
            await stack.enter_async_context(
                running_relay(settings=settings, engine=ctx.engine, table=outbox)
            )
        try:
            await ctx.words.current(None)  # warm the matcher before the first submission
        except (SQLAlchemyError, RedisError, OSError):
            log.warning("word lists not loaded at start; will retry on demand", exc_info=True)
        yield


def create_app(settings: Settings | None = None) -> FastAPI:
    """The comments service app."""
    settings = settings or get_settings()
    app = create_service_app(
        settings=settings,
        title="Newsroom comments",
        lifespan=lifespan,
        routers=[comments_router.router, desk_router.router, lists_router.router],
        max_body_bytes=settings.max_word_list_bytes,
    )
    app.add_middleware(
        SmallBodiesMiddleware,
        max_bytes=settings.max_body_bytes,
        exempt_prefix="/api/v1/moderation/words",
    )
    app.add_middleware(NoSniffMiddleware)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    return app
