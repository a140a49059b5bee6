"""Everything the gateway's routes share, built once per process in the lifespan."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from argon2 import PasswordHasher
from fastapi import Depends, Request
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from common.auth import TokenVerifier
from gateway.adapters.accounts_repo import SqlUserStore
from gateway.adapters.upstream import Upstream
from gateway.cache.flight import CacheThrough
from gateway.clients import ClientIds
from gateway.domain.login_guard import LoginGuard
from gateway.domain.sessions import SessionService
from gateway.ratelimit import LocalSyncedLimiter, RedisRateLimiter
from gateway.reads.recorder import ReadRecorder
from gateway.reads.responder import CachedAnswers
from gateway.settings import Settings


@dataclass(slots=True)
class Gateway:
    """The process-wide clients, caches and services."""

    settings: Settings
    redis: Redis
    engine: AsyncEngine
    upstreams: dict[str, Upstream]
    cache: CacheThrough
    limiter: RedisRateLimiter
    read_limiter: LocalSyncedLimiter
    client_ids: ClientIds
    users: SqlUserStore
    hasher: PasswordHasher
    sessions: SessionService
    login_guard: LoginGuard
    verifier: TokenVerifier
    reads: ReadRecorder
    answers: CachedAnswers


class GatewaySlot:
    """Where the edge finds the running app's :class:`Gateway` (None outside its lifespan).

    A plain attribute: the edge reads it on every request, and ``app.state`` lookups cost
    a Python-level ``__getattr__`` each.
    """

    __slots__ = ("gateway",)

    def __init__(self) -> None:
        self.gateway: Gateway | None = None


async def get_gateway(request: Request) -> Gateway:
    """The gateway context of the running app (async: FastAPI runs a plain ``def``
    dependency in a worker thread, a thread hand-off on every request)."""
    gateway: Gateway = request.app.state.gateway
    return gateway


GatewayDep = Annotated[Gateway, Depends(get_gateway)]
