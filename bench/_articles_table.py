"""The per-view UPDATE baseline on the articles service's own table (not a benchmark itself).

A portal that counts reads with ``UPDATE articles SET views = views + 1`` runs it on its
real articles table: wide rows (body, search document) and their indexes, GIN included.
This loads 5,000 composed articles with the articles service's own migrations and loader
(``bench/articles_scale.py``), adds a ``views`` column as such a portal would, and runs
one autocommitted UPDATE per view.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import asyncpg
from articles_scale import compose_pool, load, migrate

ARTICLES = 5000


async def articles_table_baseline(
    ids: list[int], *, seconds: float, database_url: str
) -> dict[str, Any]:
    """One UPDATE per view on a loaded articles table; verifies no update was lost."""
    schema = f"bench_art_{uuid.uuid4().hex[:8]}"
    await asyncio.to_thread(migrate, schema)  # alembic runs its own event loop
    await load(schema, ARTICLES, compose_pool())
    conn = await asyncpg.connect(database_url.replace("postgresql+asyncpg", "postgresql"))
    table = f'"{schema}".articles'
    try:
        await conn.execute(f"ALTER TABLE {table} ADD COLUMN views bigint NOT NULL DEFAULT 0")
        real = [r["id"] for r in await conn.fetch(f"SELECT id FROM {table} ORDER BY id")]  # noqa: S608 - our own table
        stmt = await conn.prepare(f"UPDATE {table} SET views = views + 1 WHERE id = $1")  # noqa: S608 - our own table
        done, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds and done < len(ids):
            for aid in ids[done : done + 500]:
                await stmt.fetch(real[(aid - 1) % len(real)])
            done += len(ids[done : done + 500])
        took = time.perf_counter() - started
        total = await conn.fetchval(f"SELECT sum(views) FROM {table}")  # noqa: S608 - our own table
        if total != done:
            raise RuntimeError("baseline lost updates")
        return {"views": done, "seconds": round(took, 3), "views_per_second": round(done / took)}
    finally:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await conn.close()
