"""The origin path: every public read endpoint of the services vs Starlette + asyncpg.

Starts the whole platform (tests/stack.py), publishes a section tree with 40 articles
through the gateway and bulk-loads 5,000 more (bench/articles_scale.py's loader), takes
comments through moderation and reads through the gateway, then, in one run:

1. each service read endpoint under wrk (16 connections, wrk on core 1) with the service
   pinned to core 0, next to a minimal baseline on the same core: Starlette + asyncpg
   running the one statement that endpoint's data needs (Redis for the analytics counts),
   orjson out (bench/_origin_baseline.py); the ratio service/baseline per endpoint
   (target >= 0.3);
2. the gateway with its page cache off (every page assembled from the services): home,
   section, article and search pages, pages/s with p50/p99, everything on 2 cores
   (target: the article page >= 300 pages/s).

    uv run python bench/origin.py [--seconds 4] [--rounds 1]

Writes bench/results/origin.json. Takes about four minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from _load import UA, cpu_seconds, pin, wrk
from gateway_read import _uvicorn, _wait

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))  # tests.stack starts the platform

from tests.conftest import login  # noqa: E402 - needs the path
from tests.stack import Platform, free_port, start_platform  # noqa: E402 - needs the path

RESULTS = ROOT / "results" / "origin.json"
QUERY = "乡村振兴"
BULK = 5000
PUBLISHED = 40
UNLIMITED = {"GATEWAY_RATE_READ_PER_MINUTE": str(10**9)}


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A service read endpoint and the baseline route doing its one query."""

    name: str
    service: str
    path: str
    role: str | None = None  # a token of this demo account is sent


@dataclass(frozen=True, slots=True)
class Seeded:
    """What the run published and counted."""

    section: int
    subsection: int
    article: int
    article_ids: list[int]
    tokens: dict[str, str]


def endpoints(s: Seeded) -> list[Endpoint]:
    """Every public read endpoint of every service, in the order measured."""
    ids = ",".join(map(str, s.article_ids[:20]))
    return [
        Endpoint("article", "articles", f"/api/v1/articles/{s.article}"),
        Endpoint("latest", "articles", "/api/v1/articles"),
        Endpoint("section", "articles", f"/api/v1/sections/{s.section}/articles"),
        Endpoint("search", "articles", f"/api/v1/search?q={quote(QUERY)}"),
        Endpoint("related", "articles", f"/api/v1/articles/{s.article}/related"),
        Endpoint("editor", "articles", "/api/v1/editor/articles", role="editor"),
        Endpoint("comments", "comments", f"/api/v1/articles/{s.article}/comments"),
        Endpoint("latest_comments", "comments", "/api/v1/comments/latest"),
        Endpoint("counts", "comments", f"/api/v1/comments/counts?article_ids={ids}"),
        Endpoint("queue", "comments", "/api/v1/moderation/queue", role="moderator"),
        Endpoint("reads", "analytics", f"/api/v1/reads?ids={ids}"),
        Endpoint("hot", "analytics", "/api/v1/hot"),
    ]


def _post(client: httpx.Client, path: str, **kwargs: Any) -> httpx.Response:
    """POST, retried while the platform answers 503 (a loaded machine trips timeouts)."""
    deadline = time.monotonic() + 60
    while (response := client.post(path, **kwargs)).status_code == 503:
        if time.monotonic() > deadline:
            break
        time.sleep(0.5)
    return response.raise_for_status()


def _publish(client: httpx.Client) -> tuple[int, int, list[int]]:
    from articles.demo.catalogue import ROOTS
    from articles.demo.writer import ArticleWriter

    root = _post(client, "/api/v1/sections", json={"name": "要闻", "comment_policy": "pre"})
    sub = _post(client, "/api/v1/sections", json={"name": "国内", "parent_id": root.json()["id"]})
    writer, node = ArticleWriter(seed=11), ROOTS[0].children[0]
    ids = []
    for n in range(PUBLISHED):
        text = writer.write(node, node.topics[n % len(node.topics)])
        created = _post(
            client,
            "/api/v1/articles",
            json={
                "section_id": sub.json()["id"],
                "title": f"{text.title} {QUERY}" if n % 2 else text.title,
                "body_html": text.body_html,
                "source": text.source,
                "author": text.author,
                "tags": list(text.tags),
            },
        )
        ids.append(int(created.json()["id"]))
        _post(client, f"/api/v1/articles/{ids[-1]}/publish")
    return int(root.json()["id"]), int(sub.json()["id"]), ids


def _until(what: str, ready: Any, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise RuntimeError(f"never happened: {what}")
        time.sleep(0.2)


def _comment_and_moderate(base: str, article: int, moderator: str) -> None:
    """30 comments held for review; 20 approved, 10 left in the queue."""
    with httpx.Client(base_url=base, headers={"user-agent": UA}, timeout=10) as client:
        held = []
        for n in range(30):
            body = {"body": f"第{n}条评论 报道很及时 {QUERY}值得关注", "nickname": f"读者{n}"}
            posted = client.post(f"/api/v1/articles/{article}/comments", json=body)
            posted.raise_for_status()
            held.append(posted.json()["id"])
        decisions = [{"comment_id": i, "decision": "approve", "reason": ""} for i in held[:20]]
        client.post(
            "/api/v1/moderation/decisions",
            json={"decisions": decisions},
            headers={"authorization": f"Bearer {moderator}"},
        ).raise_for_status()


def seed(platform: Platform) -> Seeded:
    """Publish, bulk-load, comment, moderate and read; wait until every service knows."""
    import articles_scale

    base = platform.gateway
    tokens = {role: login(base, role) for role in ("editor", "moderator")}
    headers = {"authorization": f"Bearer {tokens['editor']}", "user-agent": UA}
    with httpx.Client(base_url=base, headers=headers, timeout=10) as client:
        section, subsection, ids = _publish(client)
    articles_scale.POOL = 200  # composed once, repeated with numbered titles
    schema = f"articles_{platform.uid}"
    asyncio.run(articles_scale.load(schema, BULK, articles_scale.compose_pool()))
    article = ids[len(ids) // 2]
    comments = platform.url("comments")
    _until(
        "comments knows the article",
        lambda: (
            httpx.get(f"{comments}/api/v1/articles/{ids[-1]}/comments").status_code == 200
            and httpx.get(f"{comments}/api/v1/comments/counts?article_ids={ids[-1]}").is_success
        ),
    )
    time.sleep(1)  # the article events reach the comments replica in order; the last is in
    _comment_and_moderate(base, article, tokens["moderator"])
    with httpx.Client(base_url=base, headers={"user-agent": UA}, timeout=10) as client:
        for n, aid in enumerate(ids):
            for _ in range(1 + (n % 5)):
                client.get(f"/articles/{aid}").raise_for_status()
    analytics = platform.url("analytics")
    _until(
        "analytics counted the reads",
        lambda: (
            httpx.get(f"{analytics}/api/v1/reads?ids={ids[-1]}").json()["items"][0]["reads"] > 0
        ),
    )
    _until(
        "the comments are approved",
        lambda: httpx.get(f"{comments}/api/v1/articles/{article}/comments").json()["total"] >= 20,
    )
    return Seeded(section, subsection, article, ids, tokens)


def _baseline_params(platform: Platform, s: Seeded) -> dict[str, Any]:
    from redis import Redis

    from articles.domain.search_text import parse_query

    prefix = platform.analytics_keys().prefix  # the keys' prefix, hash tag included
    hot_key = f"{prefix}bench:hot"
    redis = Redis.from_url(platform.base_env["NEWSROOM_REDIS_URL"])
    try:  # the scores of every read bucket, precomputed as the service caches its own union
        buckets = [k.decode() for k in redis.scan_iter(f"{prefix}z:reads:*")]
        redis.zunionstore(hot_key, buckets)
    finally:
        redis.close()
    article = httpx.get(f"{platform.url('articles')}/api/v1/articles/{s.article}").json()
    return {
        "dsn": platform.base_env["NEWSROOM_DATABASE_URL"].replace("+asyncpg", ""),
        "redis_url": platform.base_env["NEWSROOM_REDIS_URL"],
        "redis_prefix": prefix,
        "articles_schema": f"articles_{platform.uid}",
        "comments_schema": f"comments_{platform.uid}",
        "args": {
            "article": [s.article],
            "section": [[s.section, s.subsection]],
            "search": [parse_query(QUERY).tsquery],
            "related": [s.article, s.subsection, article["tags"]],
            "comments": [s.article],
            "counts": [s.article_ids[:20]],
            "reads": s.article_ids[:20],
            "hot": hot_key,
        },
    }


def _best(
    url: str, args: argparse.Namespace, headers: dict[str, str], pid: int
) -> dict[str, float]:
    """The best of the rounds, with the server's CPU time per request in that round."""
    runs = []
    for _ in range(args.rounds):
        cpu = cpu_seconds(pid)
        run = wrk(url, seconds=args.seconds, connections=16, headers=headers, core=1)
        runs.append((run, (cpu_seconds(pid) - cpu) / run.requests))
    best, cpu_per_request = max(runs, key=lambda r: r[0].rps)
    return {
        "rps": round(best.rps, 1),
        "p50_ms": best.p50_ms,
        "p99_ms": best.p99_ms,
        "cpu_us_per_request": round(cpu_per_request * 1e6),
    }


def profile(platform: Platform, s: Seeded, args: argparse.Namespace) -> list[str]:
    """py-spy profiles (collapsed stacks) of the named endpoints' services under the same load."""
    written = []
    for e in endpoints(s):
        if e.name not in args.profile:
            continue
        headers = {"authorization": f"Bearer {s.tokens[e.role]}"} if e.role else {}
        pid = platform.processes[e.service].popen.pid  # type: ignore[union-attr] # started
        out = ROOT / "results" / "profiles" / f"origin_{e.name}_{args.tag}.collapsed"
        out.parent.mkdir(parents=True, exist_ok=True)
        seconds = round(args.seconds + 2)  # py-spy takes whole seconds
        spy = subprocess.Popen(
            ["py-spy", "record", "-p", str(pid), "-o", str(out), "-d", str(seconds),
             "-r", "250", "--format", "raw"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )  # fmt: skip
        time.sleep(1)
        wrk(platform.url(e.service) + e.path, seconds=args.seconds, headers=headers, core=1)
        _, errors = spy.communicate(timeout=60)
        if spy.returncode != 0:
            raise RuntimeError(f"py-spy failed on {e.service}: {errors.decode()[-2000:]}")
        written.append(str(out.relative_to(ROOT / "results")))
    return written


def measure_endpoints(
    platform: Platform, s: Seeded, baseline: str, baseline_pid: int, args: argparse.Namespace
) -> dict[str, Any]:
    """Each endpoint and its baseline, alternately, both pinned to core 0."""
    found = {}
    for e in endpoints(s):
        if args.only and e.name not in args.only:
            continue
        headers = {"authorization": f"Bearer {s.tokens[e.role]}"} if e.role else {}
        url = platform.url(e.service) + e.path
        httpx.get(url, headers=headers, timeout=10).raise_for_status()
        httpx.get(f"{baseline}/{e.name}", timeout=10).raise_for_status()
        wrk(url, seconds=1, headers=headers, core=1)  # warm-up
        wrk(f"{baseline}/{e.name}", seconds=1, core=1)
        pid = platform.processes[e.service].popen.pid  # type: ignore[union-attr] # started
        service = _best(url, args, headers, pid)
        base = _best(f"{baseline}/{e.name}", args, {}, baseline_pid)
        ratio = round(service["rps"] / base["rps"], 3)
        found[e.name] = {"path": e.path, "service": service, "baseline": base, "ratio": ratio}
        print(
            f"{e.name:16} {service['rps']:8.0f} req/s vs baseline {base['rps']:8.0f} "
            f"= {ratio:.3f}x  (p99 {service['p99_ms']:.1f} vs {base['p99_ms']:.1f} ms; CPU "
            f"{service['cpu_us_per_request']} vs {base['cpu_us_per_request']} us/request)",
            flush=True,
        )
    return found


def measure_pages(gateway: str, s: Seeded, args: argparse.Namespace) -> dict[str, Any]:
    """Uncached pages through a gateway copy with caching off; nothing pinned (2 cores)."""
    pages = {
        "home": "/",
        "section": f"/sections/{s.section}",
        "article": f"/articles/{s.article}",
        "search": f"/search?q={quote(QUERY)}",
    }
    found = {}
    for name, path in pages.items():
        if args.only and name not in args.only:
            continue
        url = gateway + path
        httpx.get(url, headers={"user-agent": UA}, timeout=10).raise_for_status()
        wrk(url, seconds=1)
        run = wrk(url, seconds=args.seconds + 1, connections=16, threads=2)
        found[name] = {"path": path, **asdict(run)}
        print(
            f"page {name:10} {run.rps:7.0f} pages/s  p50 {run.p50_ms:.1f} ms  "
            f"p99 {run.p99_ms:.1f} ms",
            flush=True,
        )
    return found


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Start, seed, measure, stop."""
    load_before = os.getloadavg()[0]
    platform = start_platform()
    baseline_proc: subprocess.Popen[bytes] | None = None
    try:
        s = seed(platform)
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as params:
            json.dump(_baseline_params(platform, s), params)
        env = {**os.environ, "ORIGIN_BASELINE": params.name, "PYTHONPATH": str(ROOT)}
        port = free_port()
        baseline_proc = _uvicorn("_origin_baseline:app", port, env, factory=False)
        baseline = f"http://127.0.0.1:{port}"
        _wait(f"{baseline}/latest")
        uncached = platform.extra_gateway(
            "gateway-uncached", GATEWAY_CACHE_ENABLED="false", **UNLIMITED
        )
        for name in ("articles", "comments", "analytics"):
            pid = platform.processes[name].popen.pid  # type: ignore[union-attr] # started
            pin(pid, "0")
        pin(baseline_proc.pid, "0")
        measured = measure_endpoints(platform, s, baseline, baseline_proc.pid, args)
        flames = profile(platform, s, args) if args.profile else []
        for name in ("articles", "comments", "analytics"):
            pin(platform.processes[name].popen.pid, "0,1")  # type: ignore[union-attr] # started
        pages = measure_pages(uncached.url or "", s, args)
        ratios = [e["ratio"] for e in measured.values()]
        return {
            "load_generator": "wrk -t1 -c16 on core 1; service and baseline on core 0",
            "seconds": args.seconds,
            "rounds": args.rounds,
            "articles": BULK + PUBLISHED,
            "endpoints": measured,
            "lowest_ratio": min(ratios) if ratios else None,
            "target_ratio": 0.3,
            "uncached_pages_2_cores": pages,
            "target_article_pages_per_second": 300,
            "load_average_before": load_before,
            "flame_graphs": flames,
        }
    finally:
        if baseline_proc is not None:
            baseline_proc.terminate()
            baseline_proc.wait(10)
        platform.close()


def main() -> None:
    """Parse arguments, run, print and save."""
    # a terminated run still stops the platform it started (the finally blocks run)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--only", nargs="*", default=[], help="endpoint or page names")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--profile", nargs="*", default=[], help="endpoints to profile")
    parser.add_argument("--tag", default="after", help="profile file name suffix")
    result = run(parser.parse_args())
    args_out = parser.parse_args().out
    args_out.parent.mkdir(exist_ok=True)
    args_out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"lowest endpoint ratio {result['lowest_ratio']} (target 0.3); written to {args_out}")


if __name__ == "__main__":
    main()
