"""Articles at scale: read / list / search / related latency with 100,000 vs 1,000 articles.

Loads two fresh schemas (bulk SQL from a pool of composed, segmented articles), drives the
real app in process over ASGI (no network), and prints p50/p99 per operation and the
100k/1k ratio. Writes bench/results/articles_scale.json. Takes about two minutes.

    uv run python bench/articles_scale.py [--large 100000] [--small 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from articles.demo.catalogue import ROOTS, DemoSection
from articles.demo.writer import ArticleWriter
from articles.domain.content import ArticleContent, validate_content
from articles.domain.search_text import search_document
from articles.domain.segmentation import keywords
from articles.main import create_app
from articles.settings import Settings
from common.db import create_engine
from common.migrations import migrate_schema

ROOT = Path(__file__).resolve().parent
ALEMBIC_INI = ROOT.parent / "services" / "articles" / "alembic.ini"
POOL = 1500
QUERIES = {
    "search_rare": "学习型组织 南山街道",
    "search_typical": "乡村振兴",
    "search_common": "建设",
}
WARMUP = 20


def migrate(schema: str) -> None:
    migrate_schema(ALEMBIC_INI, schema)


def leaves(node: DemoSection) -> list[DemoSection]:
    found = [node] if node.topics else []
    for child in node.children:
        found += leaves(child)
    return found


def all_leaves() -> list[DemoSection]:
    return [leaf for root in ROOTS for leaf in leaves(root)]


def compose_pool() -> list[dict[str, Any]]:
    """Composed articles, validated and segmented once (the expensive part)."""
    writer, rng = ArticleWriter(seed=7), random.Random(7)
    sections = all_leaves()
    pool = []
    for i in range(POOL):
        node = sections[i % len(sections)]
        text_ = writer.write(node, rng.choice(node.topics))
        valid = validate_content(
            ArticleContent(
                title=text_.title,
                body_html=text_.body_html,
                tags=text_.tags,
                author=text_.author,
                source=text_.source,
            )
        )
        c = valid.content
        pool.append(
            {
                "title": c.title,
                "summary": c.summary,
                "body_html": c.body_html,
                "body_text": valid.body_text,
                "tags": list(c.tags),
                "author": c.author,
                "source": c.source,
                "section": i % len(sections),
                "keywords": keywords(f"{c.title}\n{c.title}\n{c.summary}\n{valid.body_text}"),
                "doc": search_document(title=c.title, summary=c.summary, body=valid.body_text),
            }
        )
    return pool


LOAD_SQL = """
INSERT INTO articles (section_id, status, slug, title, summary, body_html, body_text, source,
    author, tags, keywords, search_vector, published_at, created_at, updated_at)
SELECT s.id, 'published', 'bench-' || g, p.title || ' 第' || g || '期', p.summary, p.body_html,
    p.body_text, p.source, p.author, p.tags, p.keywords, p.doc::tsvector,
    now() - g * interval '3 minutes', now(), now()
FROM generate_series(1, :n) AS g
JOIN bench_pool p ON p.id = g % :pool
JOIN sections s ON s.slug = 'bench-' || p.section
"""


async def load(schema: str, count: int, pool: list[dict[str, Any]]) -> float:
    engine = create_engine(Settings(db_schema=schema))
    started = time.perf_counter()
    async with engine.begin() as conn:
        for i in range(len(all_leaves())):
            await conn.execute(
                text("INSERT INTO sections (slug, name) VALUES (:s, :n)"),
                {"s": f"bench-{i}", "n": f"栏目{i}"},
            )
        await conn.execute(
            text(
                "CREATE TEMP TABLE bench_pool (id int, title text, summary text, body_html text, "
                "body_text text, tags varchar(40)[], keywords varchar(40)[], author text, "
                "source text, section int, doc text) ON COMMIT DROP"
            )
        )
        await conn.execute(
            text(
                "INSERT INTO bench_pool VALUES (:id, :title, :summary, :body_html, :body_text, "
                ":tags, :keywords, :author, :source, :section, :doc)"
            ),
            [{"id": i, **row} for i, row in enumerate(pool)],
        )
        await conn.execute(text(LOAD_SQL), {"n": count, "pool": len(pool)})
    async with engine.connect() as conn:
        await conn.execute(text("COMMIT"))
        await conn.execute(text("VACUUM ANALYZE articles"))
    await engine.dispose()
    return time.perf_counter() - started


Op = Callable[[httpx.AsyncClient, "Case"], Awaitable[httpx.Response]]


class Case:
    """One loaded schema, its app in process and a client on it."""

    def __init__(self, schema: str, count: int) -> None:
        self.schema, self.count = schema, count
        self.app = create_app(Settings(db_schema=schema, relay_in_process=False))
        self.rng = random.Random(1)
        self.ids: list[int] = []
        self.section = 0

    def random_id(self) -> int:
        return self.rng.randint(self.ids[-1], self.ids[0])


async def read(c: httpx.AsyncClient, case: Case) -> httpx.Response:
    return await c.get(f"/api/v1/articles/{case.random_id()}")


async def list_latest(c: httpx.AsyncClient, case: Case) -> httpx.Response:
    return await c.get("/api/v1/articles", params={"limit": 20})


async def list_section_page5(c: httpx.AsyncClient, case: Case) -> httpx.Response:
    """The fifth page of a section (four cursor hops first, timed with them)."""
    url, cursor, response = f"/api/v1/sections/{case.section}/articles", None, None
    for _ in range(5):
        params: dict[str, Any] = {"limit": 20} | ({"cursor": cursor} if cursor else {})
        response = await c.get(url, params=params)
        cursor = response.json()["next_cursor"]
    assert response is not None
    return response


def search(q: str) -> Op:
    async def op(c: httpx.AsyncClient, case: Case) -> httpx.Response:
        return await c.get("/api/v1/search", params={"q": q, "limit": 20})

    return op


async def related(c: httpx.AsyncClient, case: Case) -> httpx.Response:
    return await c.get(f"/api/v1/articles/{case.random_id()}/related")


OPS: dict[str, tuple[Op, int]] = {
    "read": (read, 300),
    "list_latest": (list_latest, 300),
    "list_section_page5": (list_section_page5, 100),
    **{name: (search(q), 150) for name, q in QUERIES.items()},
    "related": (related, 150),
}


def percentiles(samples: list[float]) -> dict[str, float]:
    samples = sorted(samples)
    return {
        "p50_ms": round(statistics.median(samples), 2),
        "p99_ms": round(samples[min(len(samples) - 1, int(len(samples) * 0.99))], 2),
        "n": len(samples),
    }


async def measure(cases: list[Case]) -> dict[int, dict[str, dict[str, float]]]:
    """Every operation on every case, alternating case by case so load noise hits both."""
    results: dict[int, dict[str, dict[str, float]]] = {case.count: {} for case in cases}
    async with AsyncExitStack() as stack:
        clients = []
        for case in cases:
            await stack.enter_async_context(case.app.router.lifespan_context(case.app))
            transport = httpx.ASGITransport(app=case.app)
            client = httpx.AsyncClient(transport=transport, base_url="http://bench")
            clients.append(await stack.enter_async_context(client))
            latest = (await client.get("/api/v1/articles?limit=100")).json()["items"]
            async with case.app.state.engine.connect() as conn:
                low, high = (
                    await conn.execute(text("SELECT min(id), max(id) FROM articles"))
                ).one()
            case.ids = [high, low]
            case.section = latest[0]["section_id"]
        for name, (op, rounds) in OPS.items():
            samples: list[list[float]] = [[] for _ in cases]
            for round_ in range(WARMUP + rounds):
                for i, (case, client) in enumerate(zip(cases, clients, strict=True)):
                    start = time.perf_counter()
                    response = await op(client, case)
                    elapsed = (time.perf_counter() - start) * 1000
                    assert response.status_code == 200, response.text
                    if round_ >= WARMUP:
                        samples[i].append(elapsed)
            for case, taken in zip(cases, samples, strict=True):
                results[case.count][name] = percentiles(taken)
    return results


async def run(small: int, large: int, *, keep: bool = False) -> dict[str, Any]:
    tag = uuid.uuid4().hex[:8]
    schemas = {small: f"articles_bench_{small}_{tag}", large: f"articles_bench_{large}_{tag}"}
    for schema in schemas.values():
        await asyncio.to_thread(migrate, schema)
    t0 = time.perf_counter()
    pool = await asyncio.to_thread(compose_pool)
    print(
        f"composed and segmented {len(pool)} distinct articles in {time.perf_counter() - t0:.1f}s"
    )
    report: dict[str, Any] = {"pool": len(pool), "cases": {}}
    try:
        for count, schema in schemas.items():
            seconds = await load(schema, count, pool)
            print(f"loaded {count:,} articles in {seconds:.1f}s")
            report["cases"][str(count)] = {"load_s": round(seconds, 1)}
        measured = await measure([Case(schema, count) for count, schema in schemas.items()])
        for count, ops in measured.items():
            report["cases"][str(count)]["ops"] = ops
    finally:
        if keep:
            print(f"kept schemas: {', '.join(schemas.values())}")
        else:
            await drop(schemas.values())
    return report


async def drop(schemas: Iterable[str]) -> None:
    engine = create_engine(Settings())
    async with engine.begin() as conn:
        for schema in schemas:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the schemas for inspection")
    args = parser.parse_args()
    report = asyncio.run(run(args.small, args.large, keep=args.keep))
    small, large = report["cases"][str(args.small)]["ops"], report["cases"][str(args.large)]["ops"]
    head = f"{args.small:>9,} p50/p99 ms{args.large:>12,} p50/p99 ms"
    print(f"\n{'operation':<20}{head}   ratio p50/p99")
    report["ratios"] = {}
    for op in small:
        s, big = small[op], large[op]
        ratio = {
            "p50": round(big["p50_ms"] / s["p50_ms"], 2),
            "p99": round(big["p99_ms"] / s["p99_ms"], 2),
        }
        report["ratios"][op] = ratio
        print(
            f"{op:<20}{s['p50_ms']:>9.1f} / {s['p99_ms']:<8.1f}{big['p50_ms']:>10.1f} / "
            f"{big['p99_ms']:<8.1f}  {ratio['p50']:>5.2f} / {ratio['p99']:.2f}"
        )
    out = ROOT / "results" / "articles_scale.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    print(f"\nwritten {out}")


if __name__ == "__main__":
    main()
