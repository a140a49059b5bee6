"""Loading the last rollup from Postgres into an empty key prefix."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.typing import EncodableT, FieldT
from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from analytics.adapters import tables as t
from analytics.adapters.keys import ARTICLE_COUNTERS, Keys
from analytics.domain.article_events import meta_json
from analytics.domain.buckets import Granularity, expires_at

BATCH = 1000


@dataclass(frozen=True, slots=True)
class LoadedSnapshot:
    """What was restored: when the rollup was taken and the offsets it reflects."""

    taken_at: datetime | None
    offsets: dict[str, int]
    articles: int


async def wipe(redis: Redis, keys: Keys) -> int:
    """Delete every key of a prefix; returns how many."""
    deleted = 0
    batch: list[bytes] = []
    async for name in redis.scan_iter(match=f"{keys.prefix}*", count=2000):
        batch.append(name)
        if len(batch) >= BATCH:
            deleted += await redis.unlink(*batch)
            batch = []
    if batch:
        deleted += await redis.unlink(*batch)
    return deleted


def _load_article(pipe: Pipeline, keys: Keys, row: Any) -> None:
    aid = str(row.article_id)
    for name in ARTICLE_COUNTERS:
        if getattr(row, name):
            pipe.hset(keys.counter(name), aid, getattr(row, name))
    if row.uniques_hll:
        pipe.set(keys.uniques(aid), row.uniques_hll)
    if row.hidden:
        pipe.sadd(keys.hidden, aid)
    if row.meta:
        path = [int(s) for s in row.meta.get("section_path") or []]
        pipe.hset(keys.article_meta, aid, meta_json(row.meta))
        pipe.hset(keys.article_section, aid, row.meta["section_id"])
        for depth, section in enumerate(path):
            pipe.hset(keys.sections, str(section), orjson.dumps(path[: depth + 1]))
            pipe.sadd(keys.section_articles(section), aid)


def _load_bucket(pipe: Pipeline, keys: Keys, row: Any, now: float) -> None:
    g: Granularity = row.granularity
    expiry = expires_at(row.bucket, g)
    if expiry > now:
        key = keys.bucket(row.signal, g, row.bucket)
        pipe.zadd(key, {str(row.article_id): row.count})
        pipe.expireat(key, expiry)


def _load_site(pipe: Pipeline, keys: Keys, row: Any, now: float) -> None:
    g: Granularity = row.granularity
    expiry = expires_at(row.bucket, g)
    if expiry > now:
        key = keys.site(g, row.bucket)
        counts: dict[FieldT, EncodableT] = {
            k: getattr(row, k) for k in ("reads", "bots", "dups") if getattr(row, k)
        }
        if counts:
            pipe.hset(key, mapping=counts)
            pipe.expireat(key, expiry)


def _load_day(pipe: Pipeline, keys: Keys, row: Any, now: float) -> None:
    expiry = expires_at(row.day, "d")
    if expiry > now:
        pipe.set(keys.day_uniques(row.day), row.uniques_hll)
        pipe.expireat(keys.day_uniques(row.day), expiry)


async def load_snapshot(*, redis: Redis, keys: Keys, engine: AsyncEngine) -> LoadedSnapshot:
    """Write the rolled-up state into Redis (the prefix should be empty)."""
    now = time.time()
    loaders: tuple[tuple[Table, Callable[[Pipeline, Any], None]], ...] = (
        (t.article_totals, lambda p, r: _load_article(p, keys, r)),
        (t.bucket_counts, lambda p, r: _load_bucket(p, keys, r, now)),
        (t.site_buckets, lambda p, r: _load_site(p, keys, r, now)),
        (t.day_uniques, lambda p, r: _load_day(p, keys, r, now)),
    )
    counts: dict[str, int] = {}
    async with engine.connect() as conn:
        taken_at = await conn.scalar(select(func.max(t.rollups.c.taken_at)))
        for table, load in loaders:
            result = await conn.stream(select(table))
            pipe = redis.pipeline(transaction=False)
            counts[table.name] = 0
            async for row in result:
                load(pipe, row)
                counts[table.name] += 1
                if len(pipe) >= BATCH * 4:
                    await pipe.execute()
            await pipe.execute()
        offsets = {
            f"{r.topic}:{r.partition}": int(r.next_offset)
            for r in await conn.execute(select(t.consumed_offsets))
        }
    if offsets:
        mapping: dict[FieldT, EncodableT] = dict(offsets.items())
        await redis.hset(keys.offsets, mapping=mapping)
    return LoadedSnapshot(taken_at, offsets, counts["article_totals"])
