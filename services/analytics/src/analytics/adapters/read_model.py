"""Reading the live state for the API: counts, buckets and hot lists."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from redis.asyncio import Redis

from analytics.adapters.keys import ARTICLE_COUNTERS, UNRANKED, Keys
from analytics.adapters.scripts import Scripts
from analytics.domain.buckets import SIGNALS, Granularity, HotWindow


def _kept_ms(cache_seconds: float) -> int:
    """How long a computed hot set lives: its cache time; without a cache (each request
    computes its own), long enough for the request that computed it to read it."""
    return max(1, int(cache_seconds * 1000)) if cache_seconds > 0 else 2000


def _int(value: Any) -> int:
    return int(float(value)) if value is not None else 0


class ReadModel:
    """Read-only queries over one key prefix (and the briefly cached hot sets it stores)."""

    def __init__(self, *, redis: Redis, keys: Keys, weights: dict[str, float]) -> None:
        self.redis = redis
        self.keys = keys
        self.weights = weights
        scripts = Scripts.register(redis)
        self._store_scores = scripts.store_scores
        self._hot_top = scripts.hot_top

    async def _store(self, command: str, key: str, weights: dict[str, float], ms: int) -> None:
        """A weighted ZUNIONSTORE / ZINTERSTORE into ``key`` with its expiry, atomically."""
        await self._store_scores(
            keys=[key, *weights], args=[command, ms, *(repr(w) for w in weights.values())]
        )

    async def reads(self, ids: Sequence[int]) -> list[tuple[int, int, int]]:
        """(article id, reads, unique visitors) for each id, in one round trip."""
        pipe = self.redis.pipeline(transaction=False)
        pipe.hmget(self.keys.counter("reads"), [str(i) for i in ids])
        for i in ids:
            pipe.execute_command("PFCOUNT", self.keys.uniques(i))  # one key: see ``article``
        counts, *uniques = await pipe.execute()
        return [(i, _int(c), int(u)) for i, c, u in zip(ids, counts, uniques, strict=True)]

    async def article(self, article_id: int) -> dict[str, Any]:
        """Counters, uniques, meta and listing state of one article."""
        aid = str(article_id)
        pipe = self.redis.pipeline(transaction=False)
        for name in ARTICLE_COUNTERS:
            pipe.hget(self.keys.counter(name), aid)
        # a cluster client refuses pfcount in pipelines (it may name several keys); one is fine
        pipe.execute_command("PFCOUNT", self.keys.uniques(aid))
        pipe.hget(self.keys.article_meta, aid)
        pipe.sismember(self.keys.hidden, aid)
        *counters, uniques, meta, hidden = await pipe.execute()
        found: dict[str, Any] = {
            n: _int(c) for n, c in zip(ARTICLE_COUNTERS, counters, strict=True)
        }
        return found | {
            "unique_visitors": int(uniques),
            "meta": orjson.loads(meta) if meta else {},
            "hidden": bool(hidden),
        }

    async def bucket_counts(
        self, signal: str, granularity: Granularity, indexes: Sequence[int], article_id: int
    ) -> list[int]:
        """One article's count of a signal in each bucket."""
        pipe = self.redis.pipeline(transaction=False)
        for index in indexes:
            pipe.zscore(self.keys.bucket(signal, granularity, index), str(article_id))
        return [_int(v) for v in await pipe.execute()]

    async def signal_grid(
        self, window: HotWindow, indexes: Sequence[int], article_id: int
    ) -> list[dict[str, int]]:
        """Per bucket, the article's count of every signal (and of reads left unranked)."""
        names = (*SIGNALS, UNRANKED)
        pipe = self.redis.pipeline(transaction=False)
        for index in indexes:
            for signal in names:
                pipe.zscore(self.keys.bucket(signal, window.granularity, index), str(article_id))
        values = [_int(v) for v in await pipe.execute()]
        n = len(names)
        return [
            dict(zip(names, values[i * n : (i + 1) * n], strict=True)) for i in range(len(indexes))
        ]

    async def site_buckets(
        self, granularity: Granularity, indexes: Sequence[int]
    ) -> list[dict[str, int]]:
        """reads/bots/dups of the whole site per bucket."""
        pipe = self.redis.pipeline(transaction=False)
        for index in indexes:
            pipe.hgetall(self.keys.site(granularity, index))
        rows = await pipe.execute()
        return [{k.decode(): int(v) for k, v in row.items()} for row in rows]

    async def day_uniques(self, day: int) -> int:
        """Distinct human visitors of a UTC day (HyperLogLog estimate)."""
        return int(await self.redis.pfcount(self.keys.day_uniques(day)))

    async def hot_key(self, window: HotWindow, now: float, cache_seconds: float) -> str:
        """A sorted set of every article's decayed score in a window (cached briefly)."""
        key = self.keys.hot_cache(window.name, None)
        if cache_seconds > 0 and await self.redis.exists(key):
            return key
        weighted: dict[str, float] = {}
        for index in window.buckets(now):
            decay = window.decay(index, now)
            for signal in SIGNALS:
                weighted[self.keys.bucket(signal, window.granularity, index)] = (
                    self.weights[signal] * decay
                )
            # ranked reads: counted reads less those an address added past its first
            weighted[self.keys.bucket(UNRANKED, window.granularity, index)] = (
                -self.weights["reads"] * decay
            )
        await self._store("ZUNIONSTORE", key, weighted, _kept_ms(cache_seconds))
        return key

    async def section_hot_key(
        self, window: HotWindow, section_id: int, overall: str, cache_seconds: float
    ) -> str:
        """The window's scores restricted to a section's subtree."""
        key = self.keys.hot_cache(window.name, section_id)
        if cache_seconds > 0 and await self.redis.exists(key):
            return key
        weights = {overall: 1.0, self.keys.section_articles(section_id): 0.0}
        await self._store("ZINTERSTORE", key, weights, _kept_ms(cache_seconds))
        return key

    async def ranked(self, key: str, limit: int) -> list[tuple[int, float, dict[str, Any]]] | None:
        """The highest positive scores of a hot set without unlisted articles, each with
        its stored meta ({} if none), in one round trip; None if the set is not there."""
        keys = [key, self.keys.hidden, self.keys.article_meta]
        flat: list[Any] | None = await self._hot_top(keys=keys, args=[limit])
        if flat is None:
            return None
        return [
            (int(flat[i]), float(flat[i + 1]), orjson.loads(flat[i + 2]) if flat[i + 2] else {})
            for i in range(0, len(flat), 3)
        ]

    async def sections(self) -> tuple[dict[int, list[int]], dict[int, int]]:
        """(section id -> path, section id -> reads of the articles directly in it).

        Summed at query time from per-article reads and the article's section as the
        article events say, so the answer does not depend on which consumer ran first.
        """
        pipe = self.redis.pipeline(transaction=False)
        pipe.hgetall(self.keys.sections)
        pipe.hgetall(self.keys.counter("reads"))
        pipe.hgetall(self.keys.article_section)
        paths, reads, sections = await pipe.execute()
        direct: dict[int, int] = {}
        for article, section in sections.items():
            direct[int(section)] = direct.get(int(section), 0) + int(reads.get(article, 0))
        return ({int(k): [int(s) for s in orjson.loads(v)] for k, v in paths.items()}, direct)
