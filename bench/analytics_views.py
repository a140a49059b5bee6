"""End-to-end view counting: gateway recorder -> Kafka -> analytics consumer -> Redis.

Publishes N reads through ``gateway.reads.recorder.ReadRecorder`` (as the gateway does)
into fresh topics, while the real ``python -m analytics.consumers`` process counts them,
and measures until every count in Redis is applied and exact. In the same run it measures
the common approach: one ``UPDATE articles SET views = views + 1`` per view in Postgres.

    uv run python bench/analytics_views.py [--views N] [--baseline-seconds S]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import asyncpg
from _articles_table import articles_table_baseline  # a sibling module: bench/ is on the path
from alembic import command
from alembic.config import Config
from redis.asyncio import Redis

from analytics.adapters.keys import Keys
from analytics.adapters.restore import wipe
from analytics.runtime import bot_scorer
from analytics.settings import Settings, get_settings
from common.events import ARTICLES_TOPIC, COMMENTS_TOPIC, VIEWS_TOPIC
from common.kafka import EventPublisher, start_producer
from common.kafka.admin import ensure_topics
from gateway.reads.read import Read
from gateway.reads.recorder import ReadRecorder

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "analytics_views.json"
BROWSERS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/130.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Version/17.0 Safari",
]
WARM_UP_ARTICLE = 10**9
BOTS = ["Mozilla/5.0 (compatible; Googlebot/2.1)", "Baiduspider/2.0", "curl/8.5.0"]


def environment(tag: str) -> dict[str, str]:
    """Env of this run: its own schema, topics, groups and key prefix."""
    return {
        "ANALYTICS_DB_SCHEMA": f"analytics_bench_{tag}",
        "ANALYTICS_TOPIC_SUFFIX": f".bench{tag}",
        "ANALYTICS_TOPIC_PARTITIONS": "4",
        "ANALYTICS_REDIS_PREFIX": f"analytics-bench-{tag}:",
        "ANALYTICS_VIEWS_GROUP": f"analytics-views-bench-{tag}",
        "ANALYTICS_EVENTS_GROUP": f"analytics-events-bench-{tag}",
        "ANALYTICS_ROLLUP_INTERVAL_SECONDS": os.environ.get("BENCH_ROLLUP_INTERVAL", "30"),
        "ANALYTICS_ENV": "test",
    }


def make_views(n: int, *, articles: int, visitors: int) -> list[Read]:
    """Skewed reads (a few hot articles), 3% crawlers, all happening now.

    A visitor is a hash of IP and user agent, so each visitor keeps one user agent; two
    visitors share each address hash (as the gateway sends them), so the per-address
    rules do their work on every read but never bind (the exact check below does not
    model them).
    """
    rng = random.Random(42)
    weights = [1 / (i + 1) ** 0.9 for i in range(articles)]
    ids = rng.choices(range(1, articles + 1), weights=weights, k=n)
    addresses = [f"{rng.getrandbits(64):016x}" for _ in range(visitors // 2 + 1)]
    pool = [
        (
            uuid.UUID(int=rng.getrandbits(128)).hex,
            rng.choice(BOTS) if rng.random() < 0.03 else rng.choice(BROWSERS),
            addresses[i // 2],
        )
        for i in range(visitors)
    ]
    now = time.time()
    views = []
    for aid in ids:
        visitor, agent, address = rng.choice(pool)
        views.append(Read(aid, 1 + aid % 7, visitor, agent, None, now, address))
    return views


def expected_counts(views: list[Read], settings: Settings) -> dict[str, Counter[int]]:
    """What exact counting must give, by the service's rules, computed independently."""
    scorer = bot_scorer(settings)
    seen: set[tuple[int, str, int]] = set()
    per_minute: Counter[tuple[str, int]] = Counter()
    out: dict[str, Counter[int]] = {"reads": Counter(), "bots": Counter(), "dups": Counter()}
    for v in views:
        t = int(v.at)
        key = (v.article_id, v.visitor, t // settings.dedup_window_seconds)
        if key in seen:
            out["dups"][v.article_id] += 1
            continue
        seen.add(key)
        per_minute[(v.visitor, t // 60)] += 1
        if per_minute[(v.visitor, t // 60)] > settings.bot_reads_per_minute:
            raise RuntimeError("bench data must not depend on cross-partition order")
        kind = "bots" if scorer.score(v.user_agent) >= 100 else "reads"
        out[kind][v.article_id] += 1
    return out


async def counted(redis: Redis, keys: Keys) -> int:
    """Views applied so far (reads + bot reads + repeats)."""
    total = 0
    for name in ("reads", "bots", "dups"):
        total += sum(int(v) for v in await redis.hvals(keys.counter(name)))
    return total


async def run_pipeline(settings: Settings, views: list[Read]) -> dict[str, Any]:
    """Publish through the recorder while the consumer process counts; time to exact."""
    redis = Redis.from_url(settings.redis_url)
    keys = Keys(settings.redis_prefix)
    producer = await start_producer(settings, client_id="bench-gateway")
    recorder = ReadRecorder(
        EventPublisher(producer, settings), producer="bench", memory_limit=len(views) + 1
    )
    try:
        before = await counted(redis, keys)  # the warm-up views
        started = time.perf_counter()
        task = asyncio.create_task(recorder.run())
        for i in range(0, len(views), 2000):
            for v in views[i : i + 2000]:
                recorder.record(v)
            await asyncio.sleep(0)
        recorded = time.perf_counter()
        recorder.stop()
        await task
        published = time.perf_counter()
        deadline = published + 120
        while (done := await counted(redis, keys) - before) != len(views):
            if time.perf_counter() > deadline:
                raise RuntimeError(f"{done} views counted, {len(views)} published")
            await asyncio.sleep(0.02)
        finished = time.perf_counter()
        return {
            "record_seconds": round(recorded - started, 3),
            "publish_seconds": round(published - started, 3),
            "end_to_end_seconds": round(finished - started, 3),
            "counted": done,
        }
    finally:
        await producer.stop()
        await redis.aclose()


async def check_exact(settings: Settings, expected: dict[str, Counter[int]]) -> None:
    """Every article's reads, bot reads and repeats equal the independent count."""
    redis = Redis.from_url(settings.redis_url)
    keys = Keys(settings.redis_prefix)
    try:
        for name, counts in expected.items():
            found = {int(k): int(v) for k, v in (await redis.hgetall(keys.counter(name))).items()}
            found.pop(WARM_UP_ARTICLE, None)
            want = {k: v for k, v in counts.items() if v}
            if found != want:
                wrong = sorted(k for k in set(found) | set(want) if found.get(k) != want.get(k))
                raise RuntimeError(f"{name} of {len(wrong)} article(s) differ, e.g. {wrong[:5]}")
    finally:
        await redis.aclose()


async def warm_up(settings: Settings, proc: subprocess.Popen[bytes]) -> None:
    """Wait until the consumer process counts (it joined its group and is assigned)."""
    producer = await start_producer(settings, client_id="bench-warmup")
    redis = Redis.from_url(settings.redis_url)
    keys = Keys(settings.redis_prefix)
    recorder = ReadRecorder(EventPublisher(producer, settings), producer="bench")
    try:
        deadline = time.monotonic() + 60
        while await counted(redis, keys) == 0:
            recorder.record(Read(WARM_UP_ARTICLE, None, uuid.uuid4().hex, "", None, time.time()))
            await recorder.flush()
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("the consumer process never counted (see its log)")
            await asyncio.sleep(0.5)
    finally:
        await producer.stop()
        await redis.aclose()


async def baseline(
    settings: Settings, ids: list[int], *, seconds: float, durable: bool = False
) -> dict[str, Any]:
    """One ``UPDATE ... views = views + 1`` per view, autocommitted, on a temp table.

    ``durable``: on an ordinary (logged) table instead, as an application would have it.
    """
    dsn = settings.database_url.replace("postgresql+asyncpg", "postgresql")
    conn = await asyncpg.connect(dsn)
    table = f'"{settings.db_schema}".articles' if durable else "articles"
    create = "CREATE TABLE" if durable else "CREATE TEMP TABLE"
    try:
        await conn.execute(f"{create} {table} (id bigint PRIMARY KEY, views bigint)")
        await conn.execute(f"INSERT INTO {table} SELECT g, 0 FROM generate_series(1, 5000) g")  # noqa: S608 - our own table name
        stmt = await conn.prepare(f"UPDATE {table} SET views = views + 1 WHERE id = $1")  # noqa: S608 - our own table name
        done, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds and done < len(ids):
            for aid in ids[done : done + 500]:
                await stmt.fetch(aid)
            done += len(ids[done : done + 500])
        took = time.perf_counter() - started
        total = await conn.fetchval(f"SELECT sum(views) FROM {table}")  # noqa: S608 - as above
        if total != done:
            raise RuntimeError("baseline lost updates")
        return {"views": done, "seconds": round(took, 3), "views_per_second": round(done / took)}
    finally:
        await conn.close()


def consumer_process(env: dict[str, str], log_path: Path | None = None) -> subprocess.Popen[bytes]:
    """The real consumer process of the analytics service, its output in ``log_path``."""
    log = open(log_path or Path(tempfile.gettempdir()) / "analytics_views.consumer.log", "wb")
    return subprocess.Popen(
        [sys.executable, "-m", "analytics.consumers"],
        env=os.environ | env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )


async def drop(settings: Settings) -> None:
    """Remove the run's schema and keys."""
    dsn = settings.database_url.replace("postgresql+asyncpg", "postgresql")
    conn = await asyncpg.connect(dsn)
    await conn.execute(f'DROP SCHEMA IF EXISTS "{settings.db_schema}" CASCADE')
    await conn.close()
    redis = Redis.from_url(settings.redis_url)
    await wipe(redis, Keys(settings.redis_prefix))
    await redis.aclose()


async def measure(
    settings: Settings, env: dict[str, str], args: argparse.Namespace
) -> dict[str, Any]:
    """Both measurements and their ratio."""
    load_before = os.getloadavg()[0]  # other work on the same cores skews every figure
    views = make_views(args.views, articles=5000, visitors=200_000)
    expected = expected_counts(views, settings)
    await ensure_topics(settings, [VIEWS_TOPIC, ARTICLES_TOPIC, COMMENTS_TOPIC])
    proc = consumer_process(env)
    try:
        await warm_up(settings, proc)
        pipeline = await run_pipeline(settings, views)
        await check_exact(settings, expected)
    finally:
        proc.send_signal(15)
        proc.wait(30)
    rate = args.views / pipeline["end_to_end_seconds"]
    ids = [v.article_id for v in views]
    base = await baseline(settings, ids, seconds=args.baseline_seconds)
    durable = await baseline(settings, ids, seconds=args.baseline_seconds, durable=True)
    real_table = await articles_table_baseline(
        ids, seconds=args.baseline_seconds, database_url=settings.database_url
    )
    return {
        "views": args.views,
        "cores": os.cpu_count(),
        "load_average_before": round(load_before, 2),
        "load_average_after": round(os.getloadavg()[0], 2),
        "rollup_interval_seconds": settings.rollup_interval_seconds,
        "pipeline": pipeline | {"views_per_second": round(rate), "exact": True},
        "baseline_update_per_view": base,
        "baseline_update_per_view_logged_table": durable,
        "speedup": round(rate / base["views_per_second"], 1),
        "speedup_vs_logged_table": round(rate / durable["views_per_second"], 1),
        "baseline_update_per_view_articles_table": real_table,
        "speedup_vs_articles_table": round(rate / real_table["views_per_second"], 1),
        "targets": {"views_per_second": 50_000, "speedup": 20},
    }


def main() -> None:
    """Run and report."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--views", type=int, default=400_000)
    parser.add_argument("--baseline-seconds", type=float, default=8.0)
    args = parser.parse_args()
    tag = uuid.uuid4().hex[:8]
    env = environment(tag)
    os.environ.update(env)
    get_settings.cache_clear()
    command.upgrade(Config(str(ROOT / "services" / "analytics" / "alembic.ini")), "head")
    settings = get_settings()
    try:
        result = asyncio.run(measure(settings, env, args))
    finally:
        asyncio.run(drop(settings))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    p, b = result["pipeline"], result["baseline_update_per_view"]
    print(f"pipeline: {p['views_per_second']:,} views/s end to end ({args.views:,} views, exact)")
    print(f"baseline: {b['views_per_second']:,} views/s (one UPDATE per view, temp table)")
    d = result["baseline_update_per_view_logged_table"]
    print(f"baseline: {d['views_per_second']:,} views/s (one UPDATE per view, ordinary table)")
    a = result["baseline_update_per_view_articles_table"]
    print(f"baseline: {a['views_per_second']:,} views/s (one UPDATE per view, the articles table)")
    vs_temp, vs_logged = result["speedup"], result["speedup_vs_logged_table"]
    vs_real = result["speedup_vs_articles_table"]
    print(
        f"speedup:  {vs_temp}x vs temp table, {vs_logged}x vs two-column table, "
        f"{vs_real}x vs the articles table"
    )
    print("targets:  >= 50,000 views/s, >= 20x")


if __name__ == "__main__":
    main()
