"""The cache on fakes: local LRU, tag invalidation, single-flight, stale-while-revalidate."""

from __future__ import annotations

import asyncio

from gateway_fakes import FakeRedis

from gateway.cache.entry import CachedResponse
from gateway.cache.flight import CacheThrough
from gateway.cache.store import LocalCache, ResponseCache
from gateway.ratelimit import Limit, LocalSyncedLimiter


def _through() -> CacheThrough:
    redis = FakeRedis()
    cache = ResponseCache(redis=redis, prefix="t", local_entries=10)  # type: ignore[arg-type]
    return CacheThrough(cache, redis=redis, prefix="t")  # type: ignore[arg-type]


def test_local_cache_evicts_least_recently_used_and_drops_by_tag() -> None:
    local = LocalCache(2)
    for key in ("a", "b"):
        local.put(key, CachedResponse.build(key.encode(), "text/plain", tags=("t",)))
    local.get("a")
    local.put("c", CachedResponse.build(b"c", "text/plain"))
    assert local.get("b") is None
    assert local.get("a") is not None
    assert local.drop_tag("t") == 1
    assert local.get("a") is None


async def test_a_burst_of_misses_makes_one_fetch() -> None:
    through = _through()
    calls = 0

    async def load() -> CachedResponse:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.05)
        return CachedResponse.build(b"body", "text/plain")

    results = await asyncio.gather(*(through.fetch("k", load) for _ in range(50)))
    assert calls == 1
    assert {entry.body for entry, _ in results if entry} == {b"body"}
    assert (await through.fetch("k", load))[1] == "hit"


async def test_stale_entries_are_served_while_one_refresh_runs() -> None:
    through = _through()
    versions = iter([b"v1", b"v2"])

    async def load() -> CachedResponse:
        return CachedResponse.build(next(versions), "text/plain", fresh_for=0.01, stale_for=60)

    await through.fetch("k", load)
    await asyncio.sleep(0.02)
    entry, state = await through.fetch("k", load)
    assert (entry.body if entry else None, state) == (b"v1", "stale")
    await asyncio.sleep(0.01)
    entry, _ = await through.fetch("k", load)
    assert entry is not None
    assert entry.body == b"v2"


async def test_invalidation_drops_entries_and_discards_fetches_in_flight() -> None:
    through = _through()

    async def load() -> CachedResponse:
        await asyncio.sleep(0.02)
        return CachedResponse.build(b"old", "text/plain", tags=("article:1",))

    pending = asyncio.create_task(through.fetch("k", load))
    await asyncio.sleep(0.005)
    await through.cache.invalidate({"article:1"})  # the change lands while the fetch runs
    await pending
    assert await through.cache.get("k") is None  # the stale fetch was not stored


async def test_a_copy_waiting_on_another_fetches_itself_once_that_one_gives_up() -> None:
    """Another copy's fetch made stale by a change on the way is not stored; the copy
    waiting for it fetches at once instead of waiting out the lock (2 s)."""
    redis = FakeRedis()
    copies = [
        CacheThrough(
            ResponseCache(redis=redis, prefix="t", local_entries=10),  # type: ignore[arg-type]
            redis=redis,  # type: ignore[arg-type]
            prefix="t",
        )
        for _ in range(2)
    ]

    async def old() -> CachedResponse:
        await asyncio.sleep(0.05)
        return CachedResponse.build(b"old", "text/plain", tags=("article:1",))

    async def new() -> CachedResponse:
        return CachedResponse.build(b"new", "text/plain", tags=("article:1",))

    first = asyncio.create_task(copies[0].fetch("k", old))
    await asyncio.sleep(0.01)  # the first copy holds the fill lock
    started = asyncio.get_running_loop().time()
    second = asyncio.create_task(copies[1].fetch("k", new))
    await asyncio.sleep(0.01)
    await copies[0].cache.invalidate({"article:1"})  # the first copy's answer is now stale
    await first
    entry, _ = await second
    assert entry is not None
    assert entry.body == b"new"
    assert asyncio.get_running_loop().time() - started < 0.5, "not the lock's 2 s"


async def test_errors_are_passed_on_but_never_cached() -> None:
    through = _through()

    async def load() -> CachedResponse:
        return CachedResponse.build(b"{}", "application/json", status=404)

    entry, _ = await through.fetch("k", load)
    assert entry is not None
    assert entry.status == 404
    assert await through.cache.get("k") is None


def test_read_limit_blocks_locally_once_over() -> None:
    limiter = LocalSyncedLimiter(None, Limit("read", 3, window=60))  # type: ignore[arg-type]
    assert [limiter.check("c", 120.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.check("c", 120.0) == 60.0
    assert limiter.check("other", 120.0) == 0.0
    assert limiter.check("c", 180.0) == 0.0  # next window
