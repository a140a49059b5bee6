"""Rate limits shared by every gateway copy through Redis.

Strict route classes (login, comment submission, writes) check Redis on every request:
exact across copies. The read class is checked locally and synced to Redis in the
background every ``sync_interval`` seconds, so a cached read never waits on Redis while
the budget is still shared (a client can overshoot by at most one sync interval's reads).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field

from redis.asyncio import Redis
from redis.exceptions import RedisError

from common.errors import TooManyRequestsError

log = logging.getLogger(__name__)

# INCRBY then set the window's expiry once; returns (count, ms left in the window)
_INCR = """
local n = redis.call('INCRBY', KEYS[1], ARGV[1])
if n == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return {n, redis.call('PTTL', KEYS[1])}
"""


@dataclass(frozen=True, slots=True)
class Limit:
    """``requests`` per ``window`` seconds for one route class."""

    name: str
    requests: int
    window: int = 60


class RedisRateLimiter:
    """Fixed-window counters in Redis, keyed by route class, client and window."""

    def __init__(self, redis: Redis, *, prefix: str) -> None:
        self._redis = redis
        self._prefix = prefix
        self._script = redis.register_script(_INCR)

    def key(self, limit: Limit, client: str, now: float | None = None) -> str:
        """The counter of this client's current window."""
        window = int((now or time.time()) // limit.window)
        return f"{self._prefix}:rl:{limit.name}:{client}:{window}"

    async def add(self, limit: Limit, client: str, count: int = 1) -> tuple[int, float]:
        """Add ``count`` hits; returns (hits in window, seconds until it resets)."""
        n, pttl = await self._script(
            keys=[self.key(limit, client)], args=[count, limit.window * 1000]
        )
        return int(n), max(0.0, int(pttl) / 1000)

    async def hit(self, limit: Limit, client: str) -> None:
        """Count one request; 429 with Retry-After once over the limit."""
        try:
            n, reset = await self.add(limit, client)
        except RedisError as exc:
            log.warning("rate limit store unavailable, letting %s through: %r", limit.name, exc)
            return
        if n > limit.requests:
            raise TooManyRequestsError(
                f"too many requests ({limit.name}); try again later",
                retry_after=max(1, int(reset + 0.999)),
            )


@dataclass(slots=True)
class _Window:
    index: int
    local: int = 0  # hits not yet added to Redis
    known: int = 0  # the shared total as of the last sync
    blocked_until: float = 0.0


@dataclass(slots=True)
class LocalSyncedLimiter:
    """The read class: counted in process, synced to the shared Redis counters."""

    shared: RedisRateLimiter
    limit: Limit
    sync_interval: float = 0.1
    _clients: dict[str, _Window] = field(default_factory=dict)
    _stopping: bool = False

    def check(self, client: str, now: float) -> float:
        """0 when allowed (and counted), else the seconds to wait."""
        index = int(now // self.limit.window)
        window = self._clients.get(client)
        if window is None or window.index != index:
            window = self._clients[client] = _Window(index)
        if window.blocked_until > now:
            return window.blocked_until - now
        window.local += 1
        if window.known + window.local > self.limit.requests:
            window.blocked_until = (index + 1) * self.limit.window
            return window.blocked_until - now
        return 0.0

    def stop(self) -> None:
        """End :meth:`run` after its next sync."""
        self._stopping = True

    async def run(self) -> None:
        """Push local counts to Redis and learn which clients are over the shared budget."""
        while not self._stopping:
            await asyncio.sleep(self.sync_interval)
            with contextlib.suppress(RedisError):
                await self.sync(time.time())

    async def sync(self, now: float) -> None:
        """One round of pushing local counts and pulling the shared verdicts."""
        index = int(now // self.limit.window)
        for client, window in list(self._clients.items()):
            if window.index != index:
                del self._clients[client]
                continue
            if window.local == 0:
                continue
            pending, window.local = window.local, 0
            total, reset = await self.shared.add(self.limit, client, pending)
            window.known = total
            if total > self.limit.requests:
                window.blocked_until = now + reset
