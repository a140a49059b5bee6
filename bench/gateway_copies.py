"""Cached article reads through HAProxy: one gateway copy, two copies, and HAProxy's cost.

Starts the whole platform (tests/stack.py: fresh schemas, topics and Redis prefix),
publishes an article, starts two gateway copies (own ports, own view journals, read limit
off) and two HAProxy processes (Debian's package, as tests/cluster/balancer.py runs it:
round-robin, ``/readyz`` checked): one over the first copy only, one over both. Then, in
interleaved rounds with the same load generator (wrk, one thread), measures GET
/articles/{id} served from the cache, each read recorded as a view:

1. the first copy directly;
2. HAProxy over that copy (2 against 1 is the balancer's own cost);
3. HAProxy over both copies (what a second copy adds on these cores).

Nothing is pinned: the copies, HAProxy, wrk, the broker, Redis and PostgreSQL share the
machine's cores, as they would on one host. The analytics consumer is stopped while the
servers are measured (as in gateway_read.py); the views wait in Kafka. The machine's load
average is recorded before and after.

    uv run python bench/gateway_copies.py [--seconds 8] [--connections 32] [--rounds 3]

Writes bench/results/gateway_copies.json. Takes about two minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))  # tests.stack starts the platform

from _load import UA, wrk  # noqa: E402 - needs the path
from moderation_visibility import publish_article  # noqa: E402 - a sibling module

from tests.cluster.balancer import COPY_HEADER, Balancer, port_of, start_gateway_copy  # noqa: E402
from tests.e2e.helpers import metric  # noqa: E402 - needs the path
from tests.stack import Process, start_platform  # noqa: E402 - needs the path

RESULTS = ROOT / "results" / "gateway_copies.json"
UNLIMITED = {"GATEWAY_RATE_READ_PER_MINUTE": str(10**9)}
PAGE_ROUTE = "/articles/{article_id}"
CHECK_MS = 1000  # HAProxy's health checks, once a second per copy (not part of the load)


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()


def _pages_answered(copy: Process) -> int:
    assert copy.metrics_url is not None
    return round(
        metric(
            copy.metrics_url.removesuffix("/metrics"),
            "http_server_request_duration_seconds_count",
            http_route=PAGE_ROUTE,
            http_response_status_code="200",
        )
    )


def _cached(url: str) -> None:
    """Read the page until the copy (or the copies behind ``url``) answer it from cache."""
    deadline = time.monotonic() + 30
    hits = 0
    while hits < 4:
        response = httpx.get(url, headers={"user-agent": UA}, timeout=10)
        response.raise_for_status()
        hits = hits + 1 if response.headers.get("x-cache") == "HIT" else 0
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} is never answered from the cache")


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Measure and return the figures."""
    uptime_before = _uptime()
    platform = start_platform()
    balancers: list[Balancer] = []
    try:
        base = platform.gateway
        article = publish_article(base)
        copies = [start_gateway_copy(platform, f"gateway-copy-{n}", **UNLIMITED) for n in (1, 2)]
        one = Balancer({"copy-1": port_of(copies[0])}, check_ms=CHECK_MS).start()
        balancers.append(one)
        both = Balancer(
            {f"copy-{n}": port_of(copy) for n, copy in enumerate(copies, 1)}, check_ms=CHECK_MS
        ).start()
        balancers.append(both)
        page = f"/articles/{article}"
        urls = {
            "direct_1_copy": f"{copies[0].url}{page}",
            "haproxy_1_copy": f"{one.url}{page}",
            "haproxy_2_copies": f"{both.url}{page}",
        }
        for url in urls.values():
            _cached(url)
        seen = {httpx.get(urls["haproxy_2_copies"], timeout=10).headers[COPY_HEADER]}
        seen.add(httpx.get(urls["haproxy_2_copies"], timeout=10).headers[COPY_HEADER])
        if seen != {"copy-1", "copy-2"}:
            raise RuntimeError(f"HAProxy over both copies answered from {seen}")
        platform.stop("analytics-worker")  # the views are counted after the runs
        for url in urls.values():  # warm-up
            wrk(url, seconds=2, connections=args.connections)
        runs: dict[str, list[float]] = {name: [] for name in urls}
        share: list[dict[str, int]] = []
        load_before = os.getloadavg()
        for _ in range(args.rounds):  # interleaved, so background noise hits all alike
            for name, url in urls.items():
                before = [_pages_answered(copy) for copy in copies]
                runs[name].append(wrk(url, seconds=args.seconds, connections=args.connections).rps)
                if name == "haproxy_2_copies":
                    after = [_pages_answered(copy) for copy in copies]
                    share.append(
                        {
                            f"copy-{n}": a - b
                            for n, (a, b) in enumerate(zip(after, before, strict=True), 1)
                        }
                    )
        load_after = os.getloadavg()
        uptime_after = _uptime()
    finally:
        for balancer in balancers:
            balancer.stop()
        platform.close()
    best = {name: max(rates) for name, rates in runs.items()}
    return {
        "load_generator": f"wrk -t1 -c{args.connections}, nothing pinned",
        "cores": os.cpu_count(),
        "seconds": args.seconds,
        "rounds": args.rounds,
        "haproxy": subprocess.run(
            ["/usr/sbin/haproxy", "-v"], capture_output=True, text=True, check=True
        ).stdout.splitlines()[0],
        "rps": {name: round(rate, 1) for name, rate in best.items()},
        "rps_runs": {name: [round(r) for r in rates] for name, rates in runs.items()},
        "haproxy_1_copy_vs_direct": round(best["haproxy_1_copy"] / best["direct_1_copy"], 3),
        "haproxy_2_copies_vs_1_copy": round(best["haproxy_2_copies"] / best["haproxy_1_copy"], 3),
        "haproxy_2_copies_vs_direct": round(best["haproxy_2_copies"] / best["direct_1_copy"], 3),
        "pages_answered_per_copy_in_2_copy_runs": share,
        "load_average_during": [round(x, 2) for x in load_before]
        + [round(x, 2) for x in load_after],
        "uptime_before": uptime_before,
        "uptime_after": uptime_after,
    }


def main() -> None:
    """Parse arguments, run, print and save."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    result = run(parser.parse_args())
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    rps = result["rps"]
    print(
        f"cached article reads/s: 1 copy direct {rps['direct_1_copy']:.0f}, through HAProxy "
        f"{rps['haproxy_1_copy']:.0f} ({result['haproxy_1_copy_vs_direct']:.2f}x), 2 copies "
        f"through HAProxy {rps['haproxy_2_copies']:.0f} "
        f"({result['haproxy_2_copies_vs_1_copy']:.2f}x of 1 copy through HAProxy)"
    )


if __name__ == "__main__":
    main()
