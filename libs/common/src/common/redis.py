"""The Redis client every process uses: explicit timeouts, and a reconnect after a restart."""

from __future__ import annotations

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError


def create_redis(
    url: str,
    *,
    socket_timeout: float = 2.0,
    connect_timeout: float = 1.0,
    max_connections: int | None = None,
) -> Redis:
    """A pooled client; create one per process in ``lifespan``.

    A pooled connection that Redis closed (a restart) fails with a connection error; the
    command is retried a few times on a fresh connection with backoff. Timeouts are not
    retried: the command may have run, and not every command is idempotent.
    """
    return Redis.from_url(
        url,
        socket_timeout=socket_timeout,
        socket_connect_timeout=connect_timeout,
        max_connections=max_connections,
        retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), retries=3),
        retry_on_error=[RedisConnectionError],
        health_check_interval=15,
    )
