"""Read-through caching with single-flight: one upstream fetch per key at a time.

Within a process concurrent misses share one future; across gateway copies a short
Redis lock lets one copy fetch while the others wait briefly for its result.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Literal

from prometheus_client import Counter
from redis.asyncio import Redis
from redis.exceptions import RedisError

from gateway.cache.entry import CachedResponse
from gateway.cache.store import ResponseCache

log = logging.getLogger(__name__)
Loader = Callable[[], Awaitable[CachedResponse | None]]
CacheState = Literal["hit", "stale", "miss"]
FILLS = Counter("gateway_cache_fills_total", "Upstream fetches made to fill the cache")


class CacheThrough:
    """Serve from the cache, revalidate stale entries in the background, fetch misses once."""

    def __init__(
        self,
        cache: ResponseCache,
        *,
        redis: Redis,
        prefix: str,
        lock_seconds: float = 2.0,
        enabled: bool = True,
    ) -> None:
        self.cache = cache
        self.enabled = enabled
        self._redis = redis
        self._prefix = prefix
        self._lock_ms = int(lock_seconds * 1000)
        self._inflight: dict[str, asyncio.Task[CachedResponse | None]] = {}

    async def fetch(self, key: str, loader: Loader) -> tuple[CachedResponse | None, CacheState]:
        """The response for ``key`` and whether it came fresh, stale or from upstream."""
        if not self.enabled:
            FILLS.inc()
            return await loader(), "miss"
        entry = await self.cache.get(key)
        if entry is not None:
            if not entry.is_fresh(time.time()):
                self._flight(key, loader)  # revalidate in the background, serve stale now
                return entry, "stale"
            return entry, "hit"
        # shielded: a caller that gives up (per-part timeout) does not cancel the shared fetch
        return await asyncio.shield(self._flight(key, loader)), "miss"

    def refreshing(self, key: str) -> bool:
        """Whether a fetch of ``key`` is under way (its stale copy may be served meanwhile)."""
        return key in self._inflight

    def _flight(self, key: str, loader: Loader) -> asyncio.Task[CachedResponse | None]:
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.create_task(self._load(key, loader), name=f"cache-fill {key}")
            self._inflight[key] = task
            task.add_done_callback(lambda t: self._finished(key, t))
        return task

    def _finished(self, key: str, task: asyncio.Task[CachedResponse | None]) -> None:
        if self._inflight.get(key) is task:
            del self._inflight[key]
        if not task.cancelled() and task.exception() is not None:
            log.debug("cache fill of %s failed: %r", key, task.exception())

    async def _load(self, key: str, loader: Loader) -> CachedResponse | None:
        lock = f"{self._prefix}:lock:{key}"
        try:
            mine = bool(await self._redis.set(lock, b"1", nx=True, px=self._lock_ms))
        except RedisError:
            mine = True
        if not mine:
            entry = await self._wait_for_other_copy(key, lock)
            if entry is not None:
                return entry
        started = time.time()
        try:
            FILLS.inc()
            entry = await loader()
            if entry is not None and entry.status == 200:  # errors are passed on, never kept
                await self.cache.put(key, entry, started=started)
            return entry
        finally:
            if mine:
                try:
                    await self._redis.delete(lock)
                except RedisError:
                    pass

    async def _wait_for_other_copy(self, key: str, lock: str) -> CachedResponse | None:
        """The entry another copy is fetching, once stored; None (fetch it here) when that
        copy let go of the lock without storing one (its answer was an error, or a change
        made it stale on the way), or after the lock's time."""
        deadline = time.monotonic() + self._lock_ms / 1000
        while time.monotonic() < deadline:
            await asyncio.sleep(0.02)
            entry = await self.cache.get(key)
            if entry is not None and entry.is_fresh(time.time()):
                return entry
            try:
                if not await self._redis.exists(lock):
                    return None
            except RedisError:
                return None
        return None
