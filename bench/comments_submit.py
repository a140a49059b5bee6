# ruff: noqa: RUF001 - sample comments are Chinese text with full-width punctuation
"""Comment submission through uvicorn over loopback: throughput, p50/p95/p99, vs a bare insert.

Runs the real comments app (pipeline, Redis signals, word lists of 2,000 entries, one
transaction with the outbox, relay publishing to Kafka) in a uvicorn subprocess, and drives
it with concurrent HTTP clients. The baseline, in the same run and on the same uvicorn and
database, is an endpoint that validates the same JSON and INSERTs the comment as is: the
cost of storing a comment without moderating it (same service defaults: tracing, metrics,
request ids, body limits, token verification). Then measures how soon a moderator's
approval reaches Kafka (what the gateway invalidates its caches from).

    uv run python bench/comments_submit.py [--requests 3000] [--concurrency 32]

Writes bench/results/comments_submit.json. Takes about a minute; loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer
from fastapi import APIRouter, FastAPI, Request
from pydantic import BaseModel
from redis.asyncio import Redis
from sqlalchemy import text

from comments.domain.normalise import normalise_word
from comments.domain.replica import apply_article_event
from comments.settings import Settings
from common.auth import OptionalPrincipal, TokenIssuer
from common.db import create_engine, session_factory, transaction
from common.events import COMMENTS_TOPIC, Envelope
from common.events.articles import ArticlePublished, SectionCommentSettings
from common.gateway_trust import GATEWAY_SECRET_HEADER
from common.kafka.admin import ensure_topics
from common.migrations import migrate_schema
from common.service import create_service_app
from common.settings import DEV_GATEWAY_SECRET, DEV_JWT_PRIVATE_KEY

ROOT = Path(__file__).resolve().parent
ALEMBIC_INI = ROOT.parent / "services" / "comments" / "alembic.ini"
RESULTS = ROOT / "results" / "comments_submit.json"
ARTICLES = 50
WORDS = 2000
APPROVALS = 30
STEADY_RATE = 50.0  # submissions per second: far above a busy news site's comment rate
PHRASES = [
    "写得很好，支持！",
    "这个观点我不同意。",
    "希望有关部门重视",
    "学习了 👍",
    "说得对",
    "great reporting, thanks",
    "期待后续报道",
    "這篇文章很有深度",
    "排队围观",
    "有道理",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bench_settings() -> Settings:
    tag = uuid.uuid4().hex[:8]
    schema = f"comments_bench_{tag}"
    migrate_schema(ALEMBIC_INI, schema)
    return Settings(
        env="test",
        db_schema=schema,
        topic_suffix=f".bench{tag}",
        topic_partitions=2,
        redis_prefix=f"comments-bench-{tag}",
        rate_user_per_minute=0,
        rate_user_per_hour=0,
        rate_client_per_minute=0,
        rate_client_per_hour=0,
        db_pool_size=10,
    )


def child_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    for field in ("db_schema", "topic_suffix", "redis_prefix", "db_pool_size", "env"):
        env[f"COMMENTS_{field.upper()}"] = str(getattr(settings, field))
    for field in (
        "rate_user_per_minute",
        "rate_user_per_hour",
        "rate_client_per_minute",
        "rate_client_per_hour",
    ):
        env[f"COMMENTS_{field.upper()}"] = "0"
    env["BENCH_SCHEMA"] = settings.db_schema
    return env


async def seed(settings: Settings) -> list[int]:
    """Articles (post and pre policies) in the replica and a 2,000-entry banned list."""
    engine = create_engine(settings)
    sessions = session_factory(engine)
    ids = list(range(1, ARTICLES + 1))
    async with transaction(sessions) as session:
        for article_id in ids:
            policy = "post" if article_id % 2 else "pre"
            payload = ArticlePublished(
                article_id=article_id,
                section_id=1 + article_id % 5,
                section_path=[1 + article_id % 5],
                title=f"文章{article_id}",
                slug=f"a{article_id}",
                comments=SectionCommentSettings(
                    section_id=1 + article_id % 5, comment_policy=policy
                ),
            )
            await apply_article_event(
                session, Envelope.wrap(payload, key=str(article_id), producer="bench")
            )
        words = [f"禁用词{i:04d}" for i in range(WORDS)]
        await session.execute(
            text(
                "INSERT INTO word_entries (list, word, normalized) SELECT 'banned', w, n "
                "FROM unnest(CAST(:w AS text[]), CAST(:n AS text[])) AS t(w, n)"
            ),
            {"w": words, "n": [normalise_word(w) for w in words]},
        )
        await session.execute(text("UPDATE word_list_version SET version = version + 1"))
        await session.execute(
            text(
                "CREATE TABLE bench_plain_comments (id bigserial PRIMARY KEY, article_id bigint, "
                "body text, nickname text, created_at timestamptz DEFAULT now())"
            )
        )
    await engine.dispose()
    return ids


class _PlainSubmit(BaseModel):
    body: str
    nickname: str | None = None
    parent_id: int | None = None


def baseline_app() -> FastAPI:
    """The baseline: the same service stack (tracing, auth, limits), then a plain INSERT."""
    settings = Settings(db_schema=os.environ["BENCH_SCHEMA"], env="test")
    router = APIRouter()

    @router.post("/api/v1/articles/{article_id}/comments", status_code=202)
    async def submit(
        article_id: int, request: _PlainSubmit, raw: Request, principal: OptionalPrincipal
    ) -> dict[str, Any]:
        async with raw.app.state.engine.begin() as conn:
            new_id = await conn.scalar(
                text(
                    "INSERT INTO bench_plain_comments (article_id, body, nickname) "
                    "VALUES (:a, :b, :n) RETURNING id"
                ),
                {
                    "a": article_id,
                    "b": request.body,
                    "n": principal.username if principal else request.nickname,
                },
            )
        return {"id": new_id, "status": "approved", "reasons": []}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.engine = create_engine(settings)
        yield
        await app.state.engine.dispose()

    return create_service_app(
        settings=settings, title="baseline", lifespan=lifespan, routers=[router]
    )


@asynccontextmanager
async def server(factory: str, settings: Settings) -> AsyncIterator[tuple[str, int]]:
    """A uvicorn subprocess serving ``factory`` on a free loopback port."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "--factory", factory, "--port", str(port)]
    command += ["--host", "127.0.0.1", "--loop", "uvloop", "--http", "httptools"]
    command += ["--no-access-log", "--log-level", "warning", "--app-dir", str(ROOT)]
    proc = await asyncio.create_subprocess_exec(*command, env=child_env(settings))
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(200):
                try:
                    if (await client.get(f"{url}/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
            else:
                raise RuntimeError(f"{factory} did not start")
        yield url, proc.pid
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), 15)


def _request(
    article_ids: list[int], tokens: list[str], n: int
) -> tuple[str, dict[str, Any], dict[str, str]]:
    article = random.choice(article_ids)
    body = f"{random.choice(PHRASES)} #{n} {uuid.uuid4().hex[:6]}"
    headers = {"X-Client-Id": f"bench-{n % 997}", GATEWAY_SECRET_HEADER: DEV_GATEWAY_SECRET}
    payload: dict[str, Any] = {"body": body}
    if n % 2:
        headers["Authorization"] = f"Bearer {tokens[n % len(tokens)]}"
    else:
        payload["nickname"] = f"读者{n % 50}"
    return f"/api/v1/articles/{article}/comments", payload, headers


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _summary(latencies: list[float], elapsed: float, statuses: dict[str, int]) -> dict[str, Any]:
    latencies.sort()
    return {
        "requests": len(latencies),
        "seconds": round(elapsed, 2),
        "per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 2),
        "p95_ms": round(latencies[int(len(latencies) * 0.95)] * 1000, 2),
        "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 2),
        "max_ms": round(latencies[-1] * 1000, 2),
        "outcomes": statuses,
    }


class Load:
    """Submits comments to one server and records latency and outcome of each."""

    def __init__(self, url: str, article_ids: list[int], tokens: list[str], concurrency: int):
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        self.client = httpx.AsyncClient(base_url=url, limits=limits, timeout=10)
        self.article_ids, self.tokens = article_ids, tokens
        self.latencies: list[float] = []
        self.statuses: dict[str, int] = {}
        self.sent = 0

    async def one(self, *, record: bool = True) -> None:
        self.sent += 1
        path, payload, headers = _request(self.article_ids, self.tokens, self.sent)
        started = time.perf_counter()
        response = await self.client.post(path, json=payload, headers=headers)
        if record:
            self.latencies.append(time.perf_counter() - started)
            key = (
                response.json()["status"]
                if response.status_code == 202
                else str(response.status_code)
            )
            self.statuses[key] = self.statuses.get(key, 0) + 1

    def reset(self) -> None:
        self.latencies, self.statuses = [], {}


async def saturate(load: Load, *, requests: int, concurrency: int) -> dict[str, Any]:
    """Closed loop: ``concurrency`` clients submit back to back; the server's throughput."""
    for _ in range(200):
        await load.one(record=False)
    load.reset()
    remaining = iter(range(requests))

    async def client() -> None:
        for _ in remaining:
            await load.one()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return _summary(load.latencies, time.perf_counter() - started, load.statuses)


async def steady(load: Load, *, rate: float, seconds: float) -> dict[str, Any]:
    """Open loop: submissions arrive at a fixed rate whatever the answers; the latency then."""
    load.reset()
    tasks: list[asyncio.Task[None]] = []
    started = time.perf_counter()
    for i in range(int(rate * seconds)):
        delay = started + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(load.one()))
    await asyncio.gather(*tasks)
    result = _summary(load.latencies, time.perf_counter() - started, load.statuses)
    result["offered_per_second"] = rate
    return result


async def measure(
    target: tuple[str, int],
    article_ids: list[int],
    tokens: list[str],
    args: argparse.Namespace,
    rates: list[float] | None,
) -> dict[str, Any]:
    """Saturated throughput and server CPU per request, then latency at steady rates."""
    url, pid = target
    load = Load(url, article_ids, tokens, args.concurrency)
    try:
        cpu = cpu_seconds(pid)
        saturated = await saturate(load, requests=args.requests, concurrency=args.concurrency)
        saturated["server_cpu_ms_per_request"] = round(
            (cpu_seconds(pid) - cpu) / saturated["requests"] * 1000, 2
        )
        rates = rates or [STEADY_RATE, max(10.0, round(saturated["per_second"] * 0.5))]
        runs = [await steady(load, rate=rate, seconds=args.seconds) for rate in rates]
        return {"saturated": saturated, "steady": runs}
    finally:
        await load.client.aclose()


async def approval_latency(
    url: str, settings: Settings, article_ids: list[int], moderator: str
) -> dict[str, Any]:
    """Submit to a pre-moderated article, approve, and time until comment.approved is on Kafka."""
    consumer = AIOKafkaConsumer(
        settings.topic(COMMENTS_TOPIC),
        bootstrap_servers=settings.kafka_bootstrap,
        group_id=f"bench-{uuid.uuid4().hex[:6]}",
        auto_offset_reset="latest",
    )
    await consumer.start()
    samples: list[float] = []
    try:
        while not consumer.assignment():
            await consumer.getmany(timeout_ms=100)
        for tp in consumer.assignment():
            await consumer.position(tp)
        pre = [a for a in article_ids if a % 2 == 0]
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:
            for i in range(APPROVALS):
                done = await client.post(
                    f"/api/v1/articles/{pre[i % len(pre)]}/comments",
                    json={"body": f"待审 {uuid.uuid4().hex}", "nickname": "甲"},
                    headers={
                        "X-Client-Id": f"approve-{i}",
                        GATEWAY_SECRET_HEADER: DEV_GATEWAY_SECRET,
                    },
                )
                comment_id = done.json()["id"]
                started = time.perf_counter()
                await client.post(
                    "/api/v1/moderation/decisions",
                    json={"decisions": [{"comment_id": comment_id, "decision": "approve"}]},
                    headers={"Authorization": f"Bearer {moderator}"},
                )
                samples.append(await _await_approved(consumer, comment_id, started))
    finally:
        await consumer.stop()
    samples.sort()
    return {
        "samples": len(samples),
        "p50_ms": round(statistics.median(samples) * 1000, 1),
        "max_ms": round(samples[-1] * 1000, 1),
    }


async def _await_approved(consumer: AIOKafkaConsumer, comment_id: int, started: float) -> float:
    deadline = started + 10
    while time.perf_counter() < deadline:
        for records in (await consumer.getmany(timeout_ms=20)).values():
            for record in records:
                envelope = Envelope.from_bytes(record.value)
                if (
                    envelope.event_type == "comment.approved"
                    and envelope.data["comment_id"] == comment_id
                ):
                    return time.perf_counter() - started
    raise RuntimeError(f"approval of {comment_id} not seen on Kafka within 10 s")


async def drop(settings: Settings) -> None:
    """Remove the run's schema and Redis keys (its topics have a unique suffix)."""
    engine = create_engine(settings)
    async with engine.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA IF EXISTS "{settings.db_schema}" CASCADE'))
    await engine.dispose()
    redis = Redis.from_url(settings.redis_url)
    batch: list[bytes] = []
    async for key in redis.scan_iter(match=f"{settings.redis_prefix}:*", count=1000):
        batch.append(key)
        if len(batch) >= 1000:
            await redis.delete(*batch)
            batch = []
    if batch:
        await redis.delete(*batch)
    await redis.aclose()


async def run(settings: Settings, args: argparse.Namespace) -> dict[str, Any]:
    try:
        await ensure_topics(settings, [COMMENTS_TOPIC], partitions=2)
        article_ids = await seed(settings)
        issuer = TokenIssuer(
            private_key=DEV_JWT_PRIVATE_KEY,
            issuer="newsroom",
            audience="newsroom",
            ttl=timedelta(hours=1),
        )
        tokens = [
            issuer.issue(user_id=10_000 + i, username=f"r{i}", roles=["reader"]) for i in range(200)
        ]
        moderator = issuer.issue(user_id=1, username="mod", roles=["moderator"])
        async with server("comments.main:create_app", settings) as target:
            submit = await measure(target, article_ids, tokens, args, None)
            approval = await approval_latency(target[0], settings, article_ids, moderator)
        rates = [run["offered_per_second"] for run in submit["steady"]]
        async with server("comments_submit:baseline_app", settings) as target:
            baseline = await measure(target, article_ids, tokens, args, rates)
    finally:
        await drop(settings)
    return {
        "concurrency": args.concurrency,
        "word_list_entries": WORDS,
        "submit": submit,
        "baseline_plain_insert": baseline,
        "throughput_ratio_vs_baseline": round(
            submit["saturated"]["per_second"] / baseline["saturated"]["per_second"], 3
        ),
        "server_cpu_ratio_vs_baseline": round(
            submit["saturated"]["server_cpu_ms_per_request"]
            / baseline["saturated"]["server_cpu_ms_per_request"],
            2,
        ),
        "p99_target_ms": 50,
        "p99_met_at_50_per_second": submit["steady"][0]["p99_ms"] <= 50,
        "approval_to_kafka": approval,
        "cpus": os.cpu_count(),
        "load_average_at_end": os.getloadavg()[0],
    }


def _line(name: str, r: dict[str, Any]) -> str:
    return (
        f"{name:<26} {r['per_second']:8.1f}/s  p50 {r['p50_ms']:7.2f} ms  p95 {r['p95_ms']:7.2f} ms"
        f"  p99 {r['p99_ms']:7.2f} ms  {r['outcomes']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    args.requests = min(args.requests, 20_000)
    args.seconds = min(args.seconds, 60.0)
    settings = bench_settings()  # migrates: before the event loop runs
    result = asyncio.run(run(settings, args))
    s, b = result["submit"], result["baseline_plain_insert"]
    print(_line("submit saturated", s["saturated"]))
    print(_line("baseline saturated", b["saturated"]))
    for sub, base in zip(s["steady"], b["steady"], strict=True):
        print(_line(f"submit at {sub['offered_per_second']:.0f}/s", sub))
        print(_line(f"baseline at {base['offered_per_second']:.0f}/s", base))
    print(
        f"server CPU per request: submit {s['saturated']['server_cpu_ms_per_request']} ms, "
        f"baseline {b['saturated']['server_cpu_ms_per_request']} ms "
        f"(ratio {result['server_cpu_ratio_vs_baseline']})"
    )
    print(
        f"throughput ratio submit/baseline: {result['throughput_ratio_vs_baseline']}; "
        f"p99 <= 50 ms at 50/s: {result['p99_met_at_50_per_second']}"
    )
    a = result["approval_to_kafka"]
    print(
        f"approval -> comment.approved on Kafka: p50 {a['p50_ms']} ms, max {a['max_ms']} ms "
        f"({a['samples']} decisions)"
    )
    print(
        f"(load average at the end: {result['load_average_at_end']:.1f} on {result['cpus']} CPUs)"
    )
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    main()
