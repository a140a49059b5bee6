"""Rollups: a consistent copy of the live state, with the offsets it reflects, into Postgres.

Consistency: the rollup sets the ``freeze`` key, which every counting script checks
first, so while it reads, no message is applied and the state matches the offsets hash
exactly. Only what changed since the last rollup (the ``dirty`` sets) is read.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from redis.asyncio import Redis
from sqlalchemy import Table, delete
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from analytics.adapters import tables as t
from analytics.adapters.counting import LiveState
from analytics.adapters.keys import ARTICLE_COUNTERS, META_READY, Keys, text
from analytics.domain.buckets import RETENTION, WIDTH, Granularity, bucket_start

log = logging.getLogger(__name__)
CHUNK = 500


@dataclass
class Snapshot:
    """What one rollup read from Redis, as table rows."""

    taken_at: datetime
    offsets: list[dict[str, Any]] = field(default_factory=list)
    articles: list[dict[str, Any]] = field(default_factory=list)
    buckets: list[dict[str, Any]] = field(default_factory=list)
    sites: list[dict[str, Any]] = field(default_factory=list)
    days: list[dict[str, Any]] = field(default_factory=list)
    keys_read: int = 0


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    return (items[i : i + size] for i in range(0, len(items), size))


def _int(value: Any) -> int:
    return int(value) if value is not None else 0


async def _read_articles(redis: Redis, keys: Keys, ids: list[str]) -> list[dict[str, Any]]:
    """Counters, meta and listing of articles, a few bulk commands per chunk (under freeze)."""
    rows: list[dict[str, Any]] = []
    for chunk in _chunks(ids):
        pipe = redis.pipeline(transaction=False)
        for name in ARTICLE_COUNTERS:
            pipe.hmget(keys.counter(name), list(chunk))
        pipe.hmget(keys.article_meta, list(chunk))
        pipe.smismember(keys.hidden, list(chunk))
        *counters, metas, hidden = await pipe.execute()
        for i, aid in enumerate(chunk):
            row: dict[str, Any] = {
                n: _int(c[i]) for n, c in zip(ARTICLE_COUNTERS, counters, strict=True)
            }
            row |= {"article_id": int(aid), "hidden": bool(hidden[i])}
            row["meta"] = orjson.loads(metas[i]) if metas[i] else None
            rows.append(row)
    return rows


async def _read_uniques(redis: Redis, keys: Keys, snap: Snapshot) -> None:
    """HyperLogLogs, read after the freeze: adding to one is idempotent, so a copy that
    already holds visitors of messages after the recorded offsets restores to the same
    sketch once those messages are replayed."""
    for chunk in _chunks(snap.articles):
        pipe = redis.pipeline(transaction=False)
        for row in chunk:
            pipe.get(keys.uniques(row["article_id"]))
            pipe.execute_command("PFCOUNT", keys.uniques(row["article_id"]))  # cluster-safe
        values = await pipe.execute()
        for i, row in enumerate(chunk):
            row["uniques_hll"], row["unique_visitors"] = values[2 * i], values[2 * i + 1]
    for day in snap.days:
        day["uniques_hll"] = await redis.get(keys.day_uniques(day["day"]))
        day["unique_visitors"] = await redis.pfcount(keys.day_uniques(day["day"]))
    snap.days = [d for d in snap.days if d["uniques_hll"]]


async def _read_keys(redis: Redis, keys: Keys, names: list[str], snap: Snapshot) -> None:
    for chunk in _chunks(names):
        pipe = redis.pipeline(transaction=False)
        for name in chunk:
            kind = name.split(":")[0]
            key = keys.prefix + name
            if kind == "z":
                pipe.zrange(key, 0, -1, withscores=True)
            elif kind == "site":
                pipe.hgetall(key)
            else:
                pipe.exists(key)  # a day's HyperLogLog: read after the freeze
        for name, value in zip(chunk, await pipe.execute(), strict=True):
            _add_key_rows(name.split(":"), value, snap)
    snap.keys_read = len(names)


def _add_key_rows(parts: list[str], value: Any, snap: Snapshot) -> None:
    if parts[0] == "z":
        signal, g, index = parts[1], parts[2], int(parts[3])
        start = bucket_start(index, _gran(g))
        snap.buckets += [
            {
                "signal": signal,
                "granularity": g,
                "bucket": index,
                "bucket_start": start,
                "article_id": int(member),
                "count": int(score),
            }
            for member, score in value
        ]
    elif parts[0] == "site" and value:
        g, index = parts[1], int(parts[2])
        counts = {k.decode(): int(v) for k, v in value.items()}
        snap.sites.append(
            {"granularity": g, "bucket": index, "bucket_start": bucket_start(index, _gran(g))}
            | {k: counts.get(k, 0) for k in ("reads", "bots", "dups")}
        )
    elif parts[0] == "uvd" and value:
        day = int(parts[1])
        snap.days.append({"day": day, "day_start": bucket_start(day, "d")})


def _gran(g: str) -> Granularity:
    if g not in WIDTH:
        raise ValueError(f"unknown granularity {g!r}")
    return g


async def read_snapshot(state: LiveState, token: str) -> Snapshot | None:
    """Read what changed, under a freeze held with ``token``; None if the state is not ready."""
    redis, keys = state.redis, state.keys
    if await redis.get(keys.meta) != META_READY.encode():
        return None
    if not await state.scripts.take_dirty(keys=[keys.slot_key], args=[keys.prefix, token]):
        return None
    snap = Snapshot(taken_at=datetime.now(UTC))
    offsets = await redis.hgetall(keys.offsets)
    for f, nxt in offsets.items():
        topic, _, partition = text(f).rpartition(":")
        snap.offsets.append({"topic": topic, "partition": int(partition), "next_offset": int(nxt)})
    ids = sorted(text(m) for m in await redis.smembers(keys.dirty("a") + ":roll"))
    snap.articles = await _read_articles(redis, keys, ids)
    names = sorted(text(m) for m in await redis.smembers(keys.dirty("k") + ":roll"))
    await _read_keys(redis, keys, names, snap)
    return snap


async def _upsert(conn: AsyncConnection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert or update rows as one executemany of a statement compiled once.

    (A multi-row ``VALUES`` literal is compiled again for every chunk, which costs more
    CPU than Postgres spends storing the rows.)
    """
    if not rows:
        return
    keys = [c.name for c in table.primary_key.columns]
    stmt = insert(table)
    update = {c: stmt.excluded[c] for c in rows[0] if c not in keys}
    await conn.execute(stmt.on_conflict_do_update(index_elements=keys, set_=update), rows)


async def write_snapshot(engine: AsyncEngine, snap: Snapshot, duration_ms: float) -> None:
    """Store a snapshot in one transaction, and forget buckets past their retention."""
    now = time.time()
    async with engine.begin() as conn:
        await _upsert(conn, t.article_totals, snap.articles)
        await _upsert(conn, t.bucket_counts, snap.buckets)
        await _upsert(conn, t.site_buckets, snap.sites)
        await _upsert(conn, t.day_uniques, snap.days)
        await _upsert(conn, t.consumed_offsets, snap.offsets)
        for g, width in WIDTH.items():
            oldest = int((now - RETENTION[g]) // width)
            for table in (t.bucket_counts, t.site_buckets):
                cond = (table.c.granularity == g) & (table.c.bucket < oldest)
                await conn.execute(delete(table).where(cond))
        await conn.execute(
            t.rollups.insert().values(
                taken_at=snap.taken_at,
                articles=len(snap.articles),
                keys=snap.keys_read,
                duration_ms=duration_ms,
            )
        )


async def roll_up(
    *, state: LiveState, engine: AsyncEngine, freeze_ms: int = 20_000
) -> Snapshot | None:
    """One rollup; None if another process is rolling up or the state is not ready."""
    redis, keys = state.redis, state.keys
    token = secrets.token_hex(8)
    if not await redis.set(keys.lock("rollup"), token, nx=True, px=120_000):
        return None
    started = time.perf_counter()
    try:
        if not await redis.set(keys.freeze, token, nx=True, px=freeze_ms):
            return None
        try:
            snap = await read_snapshot(state, token)
            if snap is not None and await redis.get(keys.freeze) != token.encode():
                log.warning("rollup took longer than its freeze; discarded")
                snap = None
        finally:
            await state.scripts.release(keys=[keys.freeze], args=[token])
        if snap is None:
            return None
        await _read_uniques(redis, keys, snap)
        await write_snapshot(engine, snap, (time.perf_counter() - started) * 1000)
        await redis.delete(keys.dirty("a") + ":roll", keys.dirty("k") + ":roll")
        return snap
    finally:
        await state.scripts.release(keys=[keys.lock("rollup")], args=[token])


class RollupWorker:
    """Rolls up every ``interval`` seconds until stopped (safe in several processes)."""

    def __init__(self, *, state: LiveState, engine: AsyncEngine, interval: float) -> None:
        self._state = state
        self._engine = engine
        self._interval = interval
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        """Return from :meth:`run` after the rollup in hand."""
        self._stopping.set()

    async def run(self) -> None:
        """Roll up periodically; a failed rollup is logged and retried next time."""
        if self._interval <= 0:
            await self._stopping.wait()
            return
        while not self._stopping.is_set():
            try:
                await asyncio.wait_for(self._stopping.wait(), self._interval)
            except TimeoutError:
                pass
            try:
                snap = await roll_up(state=self._state, engine=self._engine)
            except Exception:
                log.exception("rollup failed; the next one retries")
                continue
            if snap is not None:
                log.info("rolled up %d article(s), %d key(s)", len(snap.articles), snap.keys_read)
