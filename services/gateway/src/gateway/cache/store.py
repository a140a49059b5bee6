"""Two-level response cache: a small LRU in process in front of Redis, with tag invalidation."""

from __future__ import annotations

import logging
import time
from collections import OrderedDict

from prometheus_client import Counter
from redis.asyncio import Redis
from redis.exceptions import RedisError

from common.counters import LoopCounter
from gateway.cache.entry import CachedResponse

log = logging.getLogger(__name__)
# counted on every cached read, the edge's fast path included: no lock per lookup
LOOKUPS = LoopCounter("gateway_cache_lookups_total", "Cache lookups", ("level", "result"))
INVALIDATIONS = Counter("gateway_cache_invalidated_total", "Cache keys dropped by events")


class LocalCache:
    """A bounded in-process LRU of cached responses, indexed by tag."""

    def __init__(self, max_entries: int) -> None:
        self._entries: OrderedDict[str, CachedResponse] = OrderedDict()
        self._tags: dict[str, set[str]] = {}
        self._max = max_entries

    def get(self, key: str) -> CachedResponse | None:
        """The entry, marked recently used."""
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def put(self, key: str, entry: CachedResponse) -> None:
        """Store, evicting the least recently used entry when full."""
        self._entries[key] = entry
        self._entries.move_to_end(key)
        for tag in entry.tags:
            self._tags.setdefault(tag, set()).add(key)
        while len(self._entries) > self._max:
            self._forget(next(iter(self._entries)))

    def drop_tag(self, tag: str) -> int:
        """Forget every entry carrying ``tag``."""
        keys = self._tags.pop(tag, set())
        for key in keys:
            self._forget(key)
        return len(keys)

    def clear(self) -> None:
        """Forget everything."""
        self._entries.clear()
        self._tags.clear()

    def _forget(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is None:
            return
        for tag in entry.tags:
            keys = self._tags.get(tag)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._tags[tag]


class ResponseCache:
    """Looks in process first, then Redis; stores in both; drops by tag in both."""

    def __init__(self, *, redis: Redis, prefix: str, local_entries: int) -> None:
        self.local = LocalCache(local_entries)
        self._redis = redis
        self._prefix = prefix
        self._invalidated_at: dict[str, float] = {}

    def _key(self, key: str) -> str:
        return f"{self._prefix}:c:{key}"

    def _tag(self, tag: str) -> str:
        return f"{self._prefix}:t:{tag}"

    async def get(self, key: str) -> CachedResponse | None:
        """A usable (fresh or stale) entry, or None; a stale local entry yields to a newer one."""
        now = time.time()
        local = self.local.get(key)
        if local is not None and local.is_fresh(now):
            LOOKUPS.labels("local", "hit").inc()
            return local
        try:
            fields = await self._redis.hgetall(self._key(key))
        except RedisError as exc:
            log.warning("cache read failed: %r", exc)
            fields = {}
        shared = CachedResponse.from_redis(fields) if fields else None  # type: ignore[arg-type] # bytes: no decoding
        if shared is not None and shared.is_usable(now):
            if local is None or shared.stored_at > local.stored_at:
                LOOKUPS.labels("redis", "hit").inc()
                self.local.put(key, shared)
                return shared
        if local is not None and local.is_usable(now):
            LOOKUPS.labels("local", "stale").inc()
            return local
        LOOKUPS.labels("redis", "miss").inc()
        return None

    def invalidated_since(self, tags: tuple[str, ...], started: float) -> bool:
        """Whether any tag was invalidated after ``started`` (a fetch then is already stale)."""
        return any(self._invalidated_at.get(t, 0.0) >= started for t in tags)

    async def put(self, key: str, entry: CachedResponse, *, started: float) -> None:
        """Store in both levels unless the data was invalidated while being fetched."""
        if self.invalidated_since(entry.tags, started):
            return
        self.local.put(key, entry)
        ttl = max(1, int(entry.fresh_for + entry.stale_for))
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.hset(self._key(key), mapping=entry.to_redis())  # type: ignore[arg-type] # bytes are fine
                pipe.expire(self._key(key), ttl)
                for tag in entry.tags:
                    pipe.sadd(self._tag(tag), key)
                    pipe.expire(self._tag(tag), ttl, gt=True)
                    pipe.expire(self._tag(tag), ttl, nx=True)
                await pipe.execute()
        except RedisError as exc:
            log.warning("cache write failed: %r", exc)

    async def invalidate(self, tags: set[str]) -> int:
        """Drop every entry carrying one of ``tags``, here and in Redis."""
        now = time.time()
        dropped = 0
        for tag in tags:
            self._invalidated_at[tag] = now
            dropped += self.local.drop_tag(tag)
        try:
            dropped += await self._drop_in_redis(tags)
        except RedisError as exc:
            log.warning("cache invalidation in Redis failed: %r", exc)
        INVALIDATIONS.inc(dropped)
        if len(self._invalidated_at) > 10_000:
            cutoff = now - 60
            self._invalidated_at = {t: at for t, at in self._invalidated_at.items() if at > cutoff}
        return dropped

    async def _drop_in_redis(self, tags: set[str]) -> int:
        dropped = 0
        for tag in tags:
            keys = await self._redis.smembers(self._tag(tag))
            names = [self._key(k.decode() if isinstance(k, bytes) else k) for k in keys]
            await self._redis.delete(self._tag(tag), *names)
            dropped += len(names)
        return dropped
