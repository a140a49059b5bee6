# ruff: noqa: S608 - the statements name the run's own schemas; values are bound parameters
"""The baseline of bench/origin.py: Starlette + asyncpg (or Redis), one query per endpoint.

For each public read endpoint of the services, a route that runs the one statement the
endpoint's data needs against the same tables (Redis keys for analytics) and answers it
serialised with orjson: no ORM, no validation, no auth. ``ORIGIN_BASELINE`` names a JSON
file with the schemas, the Redis prefix and the parameters (ids, tsquery, tags).
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import orjson
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

P: dict[str, Any] = json.loads(Path(os.environ["ORIGIN_BASELINE"]).read_text())
A, C = f'"{P["articles_schema"]}"', f'"{P["comments_schema"]}"'
LIST = (
    "id, slug, title, subtitle, summary, section_id, author, source, tags, cover_image_url, "
    "status, published_at, updated_at, favourite_count, recommend_count"
)
COMMENT = (
    "id, article_id, parent_id, author_name, is_anonymous, user_id, body, status, reasons, "
    "created_at, published_at, like_count"
)
# one statement each; $n parameters are bound from P["args"][name]
SQL = {
    "article": f"SELECT * FROM {A}.articles WHERE id = $1 AND status = 'published'",
    "latest": f"SELECT {LIST} FROM {A}.articles WHERE status = 'published' "
    "ORDER BY published_at DESC, id DESC LIMIT 21",
    "section": f"SELECT {LIST} FROM {A}.articles WHERE status = 'published' "
    "AND section_id = ANY($1::int[]) ORDER BY published_at DESC, id DESC LIMIT 21",
    "search": f"SELECT {LIST}, ts_rank_cd(search_vector, $1::tsquery, 1) AS rank "
    f"FROM {A}.articles WHERE status = 'published' AND search_vector @@ $1::tsquery "
    "ORDER BY rank DESC, id DESC LIMIT 21",
    "related": f"SELECT {LIST} FROM {A}.articles WHERE status = 'published' AND id <> $1 "
    "AND (section_id = $2 OR tags && $3::varchar[]) "
    "ORDER BY published_at DESC, id DESC LIMIT 5",
    "comments": f"SELECT {COMMENT} FROM {C}.comments WHERE article_id = $1 "
    "AND status = 'approved' ORDER BY id DESC LIMIT 21",
    "latest_comments": f"SELECT {', '.join('c.' + n for n in COMMENT.split(', '))}, a.title "
    f"FROM {C}.comments c JOIN {C}.articles a USING (article_id) WHERE c.status = 'approved' "
    "ORDER BY c.published_at DESC LIMIT 10",
    "counts": f"SELECT article_id, count(*) FROM {C}.comments WHERE article_id = ANY($1::bigint[]) "
    "AND status = 'approved' GROUP BY article_id",
    "queue": f"SELECT {COMMENT}, client_id, contact, phases, section_path "
    f"FROM {C}.comments WHERE status = 'pending' ORDER BY created_at LIMIT 50",
    "editor": f"SELECT {LIST} FROM {A}.articles WHERE status <> 'deleted' "
    "ORDER BY updated_at DESC, id DESC LIMIT 21",
}


def _json(value: Any) -> Response:
    return Response(orjson.dumps(value), media_type="application/json")


def _sql_route(name: str) -> Callable[[Request], Awaitable[Response]]:
    args = P["args"].get(name, [])

    async def endpoint(request: Request) -> Response:
        async with request.app.state.pool.acquire() as conn:
            rows = await conn.fetch(SQL[name], *args)
        return _json([dict(r) for r in rows])

    return endpoint


async def reads(request: Request) -> Response:
    """HMGET of the read counters and PFCOUNT of each id's visitors, one pipeline."""
    redis: Redis = request.app.state.redis
    ids = P["args"]["reads"]
    pipe = redis.pipeline(transaction=False)
    pipe.hmget(f"{P['redis_prefix']}a:reads", ids)
    for i in ids:
        pipe.pfcount(f"{P['redis_prefix']}uv:{i}")
    counts, *uniques = await pipe.execute()
    return _json(
        [
            {"article_id": i, "reads": int(c or 0), "uv": u}
            for i, c, u in zip(ids, counts, uniques, strict=True)
        ]
    )


async def hot(request: Request) -> Response:
    """The top of one precomputed score set and the titles of those articles."""
    redis: Redis = request.app.state.redis
    rows = await redis.zrevrange(P["args"]["hot"], 0, 9, withscores=True)
    metas = await redis.hmget(f"{P['redis_prefix']}a:meta", [m for m, _ in rows]) if rows else []
    return _json(
        [[int(m), s, orjson.loads(t) if t else None] for (m, s), t in zip(rows, metas, strict=True)]
    )


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    """One pool and one Redis client, as the services have."""
    app.state.pool = await asyncpg.create_pool(P["dsn"], min_size=4, max_size=10)
    app.state.redis = Redis.from_url(P["redis_url"])
    try:
        yield
    finally:
        await app.state.pool.close()
        await app.state.redis.aclose()


app = Starlette(
    routes=[Route(f"/{name}", _sql_route(name)) for name in SQL]
    + [Route("/reads", reads), Route("/hot", hot)],
    lifespan=lifespan,
)
