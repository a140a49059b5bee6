"""A cached article read through the gateway (view counted) vs a bare ASGI app, same server.

Starts the whole platform (tests/stack.py: every service in its own fresh schema), publishes
an article, then measures on loopback, in one run, with the same load generator (wrk on
core 1) against the same uvicorn settings (1 worker, uvloop, httptools), each server alone
on core 0 (the broker, Redis, PostgreSQL and the other services are held on core 1 while
it is measured):

1. a bare ASGI app returning the article page's bytes from memory (the baseline);
2. GET /articles/{id} through the gateway: anonymous, served from its cache, each read
   recorded as a view event (batched to Kafka) — target >= 0.8x the baseline;
3. the uncached page assembly (gateway copy with caching off: article, reads, comments,
   hot, related, latest comments fetched concurrently and rendered) — p50/p99.

    uv run python bench/gateway_read.py [--seconds 8] [--connections 32]

Writes bench/results/gateway_read.json. Takes about a minute.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))  # tests.stack starts the platform

from _load import UA, cpu_seconds, kept_on, pin, wrk  # noqa: E402 - needs the path

from tests.faults.instance import RUN_DIR  # noqa: E402 - needs the path
from tests.stack import Platform, free_port, operator_headers, start_platform  # noqa: E402 - needs the path

RESULTS = ROOT / "results" / "gateway_read.json"
UNLIMITED = {"GATEWAY_RATE_READ_PER_MINUTE": str(10**9)}


def _uvicorn(app: str, port: int, env: dict[str, str], *, factory: bool) -> subprocess.Popen[bytes]:
    args = [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--port",
        str(port),
        "--workers",
        "1",
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    return subprocess.Popen([*args, "--factory"] if factory else args, env=env, cwd=ROOT.parent)


def _wait(url: str, deadline: float = 60) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} never answered")


@dataclass(frozen=True, slots=True)
class Measured:
    """One run against one server: its rate, and what it and the load generator's core used."""

    rps: float
    server_busy: float  # share of a core the server process used
    server_cpu_us: float  # the server's CPU per request
    core1_busy: float  # share of core 1 (wrk, and the broker, Redis, PostgreSQL) in use


def _core_times(core: int) -> tuple[int, int]:
    """(busy, total) clock ticks of one core so far, from /proc/stat."""
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith(f"cpu{core} "):
            ticks = [int(v) for v in line.split()[1:]]
            idle = ticks[3] + ticks[4]  # idle and iowait
            return sum(ticks) - idle, sum(ticks)
    return 0, 1


def throughput(url: str, seconds: int, connections: int, pid: int) -> Measured:
    """One URL's requests per second (wrk on core 1) and the CPU its server ``pid`` used."""
    cpu, core1, started = cpu_seconds(pid), _core_times(1), time.monotonic()
    run = wrk(url, seconds=seconds, connections=connections, core=1)
    wall, used = time.monotonic() - started, cpu_seconds(pid) - cpu
    busy, total = (now - then for now, then in zip(_core_times(1), core1, strict=True))
    return Measured(
        rps=run.rps,
        server_busy=round(used / wall, 3),
        server_cpu_us=round(used / max(run.requests, 1) * 1e6, 1),
        core1_busy=round(busy / max(total, 1), 3),
    )


def _capture(url: str) -> tuple[bytes, str, str]:
    """The gateway's cached response: body, and the headers minus those uvicorn adds."""
    response = httpx.get(url, headers={"user-agent": UA}, timeout=10)
    if response.headers.get("x-cache") != "HIT":
        response = httpx.get(url, headers={"user-agent": UA}, timeout=10)
    skip = {"date", "server"}
    headers = [[k, v] for k, v in response.headers.multi_items() if k not in skip]
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as out:
        json.dump(headers, out)
    with tempfile.NamedTemporaryFile(suffix=".html", delete=False) as body:
        body.write(response.content)
    return response.content, out.name, body.name


def _metric(base: str, name: str) -> float:
    text = httpx.get(f"{base}/metrics", headers=operator_headers(), timeout=5).text
    match = re.search(rf"^{name} ([0-9.e+]+)$", text, flags=re.M)
    return float(match.group(1)) if match else 0.0


def _views_recorded(base: str) -> float:
    return _metric(base, "newsroom_views_recorded_total")


def _all_counted(platform: Platform, gateways: list[str], timeout: float = 300) -> dict[str, int]:
    """After the runs: analytics counts every view the gateways published, each once.

    The analytics consumer is stopped while the servers are measured (it would count on
    their cores); here it runs again and must reach exactly what was published.
    """
    from redis import Redis

    platform.restart("analytics-worker")
    deadline = time.monotonic() + timeout
    published = -1
    while True:  # until nothing is pending and the published total holds still
        time.sleep(0.5)
        total = round(sum(_metric(g, "newsroom_views_published_total") for g in gateways))
        pending = sum(
            _metric(g, "newsroom_views_held") + _metric(g, "newsroom_views_on_disk_only")
            for g in gateways
        )
        if total == published and pending == 0:
            break
        if time.monotonic() > deadline:
            raise RuntimeError("the gateways never published every view")
        published = total
    keys = platform.analytics_keys()
    redis = Redis.from_url(platform.base_env["NEWSROOM_REDIS_URL"])

    def counted() -> int:
        names = ("reads", "bots", "dups")
        return sum(int(v) for n in names for v in redis.hvals(keys.counter(n)))  # type: ignore[union-attr]

    try:
        while (seen := counted()) < published:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{seen} views counted of {published} published")
            time.sleep(0.5)
        time.sleep(3)  # a double count would show up now
        if (seen := counted()) != published:
            raise RuntimeError(f"{seen} views counted of {published} published")
    finally:
        redis.close()
    return {"published": published, "counted": seen}


def _publish(platform: Platform) -> int:
    from tests.conftest import login

    base = platform.gateway
    headers = {"authorization": f"Bearer {login(base, 'editor')}"}
    with httpx.Client(base_url=base, headers=headers, timeout=10) as client:
        section = client.post("/api/v1/sections", json={"name": "基准测试"}).json()["id"]
        body = "".join(f"<p>第{n}段 城市更新与社区治理的实践探索。</p>" for n in range(30))
        ids = []
        for n in range(3):
            created = client.post(
                "/api/v1/articles",
                json={
                    "section_id": section,
                    "title": f"基准测试文章 {n}",
                    "body_html": body,
                    "source": "新闻中心",
                    "author": "记者",
                },
            )
            ids.append(created.json()["id"])
            client.post(f"/api/v1/articles/{ids[-1]}/publish").raise_for_status()
    article = ids[1]
    end = time.monotonic() + 20
    while httpx.get(f"{base}/api/v1/articles/{article}", timeout=5).status_code != 200:
        if time.monotonic() > end:
            raise RuntimeError("article never became readable")
        time.sleep(0.1)
    return int(article)


def _latencies(url: str, count: int) -> dict[str, float]:
    samples = []
    with httpx.Client(headers={"user-agent": UA}, timeout=10) as client:
        for _ in range(count):
            started = time.perf_counter()
            client.get(url).raise_for_status()
            samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {
        "p50_ms": round(statistics.median(samples), 2),
        "p99_ms": round(samples[int(len(samples) * 0.99) - 1], 2),
        "requests": count,
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Measure and return the figures."""
    platform = start_platform()
    procs: list[subprocess.Popen[bytes]] = []
    try:
        article = _publish(platform)
        cached = platform.extra_gateway("gateway-bench", **UNLIMITED)
        uncached = platform.extra_gateway(
            "gateway-uncached", GATEWAY_CACHE_ENABLED="false", **UNLIMITED
        )
        page_url = f"{cached.url}/articles/{article}"
        body, headers_file, body_file = _capture(page_url)
        bare_env = {**os.environ, "BARE_BODY_FILE": body_file, "PYTHONPATH": str(ROOT)}
        bare_port, minimal_port = free_port(), free_port()
        # the baseline sends the gateway's exact response; a second one only two headers
        with_headers = {**bare_env, "BARE_HEADERS_FILE": headers_file}
        procs.append(_uvicorn("_bare_asgi:app", bare_port, with_headers, factory=False))
        procs.append(_uvicorn("_bare_asgi:app", minimal_port, bare_env, factory=False))
        bare_url = f"http://127.0.0.1:{bare_port}/"
        minimal_url = f"http://127.0.0.1:{minimal_port}/"
        _wait(bare_url)
        _wait(minimal_url)
        assembly = _latencies(f"{uncached.url}/articles/{article}", args.uncached)
        # same core for both servers; the load generator, the infrastructure and the other
        # services on the other one
        measured = [procs[0].pid, procs[1].pid, cached.popen.pid if cached.popen else 0]
        for pid in measured:
            pin(pid, "0")
        platform.stop("analytics-worker")  # the views are counted after the runs
        services = platform.running().values()
        background = [p.popen.pid for p in services if p.popen and p.popen.pid not in measured] + [
            int(f.read_text().split()[0]) for f in RUN_DIR.glob("*.pid")
        ]
        with kept_on(background, "1"):
            servers = dict(zip((bare_url, minimal_url, page_url), measured, strict=True))
            for url, pid in servers.items():  # warm-up of each
                throughput(url, 2, args.connections, pid)
            views_before = _views_recorded(cached.url or "")
            bare_runs: list[Measured] = []
            gateway_runs: list[Measured] = []
            minimal_runs: list[Measured] = []
            for _ in range(args.rounds):  # interleaved, so background noise hits all alike
                for url, runs in ((bare_url, bare_runs), (page_url, gateway_runs),
                                  (minimal_url, minimal_runs)):  # fmt: skip
                    runs.append(throughput(url, args.seconds, args.connections, servers[url]))
        views = _views_recorded(cached.url or "") - views_before
        counted = _all_counted(platform, [platform.gateway, cached.url or "", uncached.url or ""])
        bare, gateway, minimal = (
            max(r.rps for r in runs) for runs in (bare_runs, gateway_runs, minimal_runs)
        )
        return {
            "load_generator": "wrk -t1 on core 1; each server alone on core 0",
            "connections": args.connections,
            "seconds": args.seconds,
            "page_bytes": len(body),
            "bare_asgi_rps": round(bare, 1),
            "gateway_cached_rps": round(gateway, 1),
            "ratio": round(gateway / bare, 3),
            "bare_asgi_rps_runs": [round(r.rps) for r in bare_runs],
            "response_headers": json.loads(Path(headers_file).read_text()),
            "bare_minimal_headers_rps": round(minimal, 1),
            "bare_minimal_headers_rps_runs": [round(r.rps) for r in minimal_runs],
            "ratio_vs_minimal_headers": round(gateway / minimal, 3),
            "gateway_cached_rps_runs": [round(r.rps) for r in gateway_runs],
            "ratio_of_medians": round(
                statistics.median(r.rps for r in gateway_runs)
                / statistics.median(r.rps for r in bare_runs),
                3,
            ),
            # per run: the server's share of its core, its CPU per request, core 1's use
            "runs": {
                "bare": [asdict(r) for r in bare_runs],
                "gateway": [asdict(r) for r in gateway_runs],
                "minimal": [asdict(r) for r in minimal_runs],
            },
            "target_ratio": 0.8,
            "views_recorded_during_gateway_run": int(views),
            "views_published_and_counted_exactly": counted,
            "uncached_page_assembly": assembly,
        }
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(10)
        platform.close()


def main() -> None:
    """Parse arguments, run, print and save."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--uncached", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    result = run(parser.parse_args())
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    print(
        f"cached read through the gateway: {result['ratio']:.2f}x the bare ASGI app "
        f"({result['gateway_cached_rps']:.0f} vs {result['bare_asgi_rps']:.0f} req/s)"
    )


if __name__ == "__main__":
    main()
