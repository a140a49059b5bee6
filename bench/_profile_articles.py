"""The articles service's hottest reads, before and after, with their baseline in one run.

Starts the platform (tests/stack.py), publishes a section tree with 40 articles through
the gateway and bulk-loads 5,000 more, then starts three more articles processes on the
same schema, all with the outbox relay off: one running an older commit's code
(``--before``, default ``HEAD``: its ``services/articles/src`` and ``libs/common/src``
extracted with ``git archive``, ahead on PYTHONPATH), one running this checkout and one
running it with tracing off (``NEWSROOM_TRACING=false``: what the shared tracing layer
costs); and bench/_origin_baseline.py (Starlette + asyncpg, one statement, orjson).

For each endpoint (article by id, latest, section list), rounds alternate before / after
/ after untraced / baseline, each pinned to core 0 with wrk on core 1 (16 connections);
the best round of each counts. With ``--profile``, py-spy records the before and the
after process under the same load and keeps collapsed stacks under
bench/results/profiles/ (``articles_<endpoint>_before.collapsed`` / ``_after``).

    uv run python bench/_profile_articles.py [--seconds 4] [--rounds 2] [--profile]

Writes bench/results/articles_read_path.json.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from _load import UA, pin, wrk
from gateway_read import _uvicorn, _wait

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))  # tests.stack starts the platform

from tests.conftest import login  # noqa: E402 - needs the path
from tests.stack import Platform, free_port, start_platform  # noqa: E402 - needs the path

RESULTS = ROOT / "results" / "articles_read_path.json"
PROFILES = ROOT / "results" / "profiles"
BULK = 5000
SOURCES = ("services/articles/src", "libs/common/src")


def extract(commit: str) -> Path:
    """The articles and common sources of ``commit`` in a temporary directory."""
    target = Path(tempfile.mkdtemp(prefix="articles-before-"))
    archive = subprocess.run(
        ["git", "archive", commit, *SOURCES],
        cwd=ROOT.parent,
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target


def seed(platform: Platform) -> dict[str, Any]:
    """Sections and 40 articles through the gateway, then the bulk rows."""
    import articles_scale
    from origin import _publish

    token = login(platform.gateway, "editor")
    headers = {"authorization": f"Bearer {token}", "user-agent": UA}
    with httpx.Client(base_url=platform.gateway, headers=headers, timeout=10) as client:
        section, subsection, ids = _publish(client)
    articles_scale.POOL = 200
    # the bulk loader's settings read the platform's database from the environment
    os.environ["NEWSROOM_DATABASE_URL"] = platform.base_env["NEWSROOM_DATABASE_URL"]
    asyncio.run(
        articles_scale.load(f"articles_{platform.uid}", BULK, articles_scale.compose_pool())
    )
    return {"section": section, "subsection": subsection, "article": ids[len(ids) // 2]}


def endpoints(s: dict[str, Any]) -> dict[str, str]:
    """Endpoint name (the baseline's route) to the service path."""
    return {
        "article": f"/api/v1/articles/{s['article']}",
        "latest": "/api/v1/articles",
        "section": f"/api/v1/sections/{s['section']}/articles",
    }


def baseline_params(platform: Platform, s: dict[str, Any]) -> dict[str, Any]:
    """What bench/_origin_baseline.py needs for these three routes."""
    return {
        "dsn": platform.base_env["NEWSROOM_DATABASE_URL"].replace("+asyncpg", ""),
        "redis_url": platform.base_env["NEWSROOM_REDIS_URL"],
        "redis_prefix": platform.analytics_keys().prefix,
        "articles_schema": f"articles_{platform.uid}",
        "comments_schema": f"comments_{platform.uid}",
        "args": {"article": [s["article"]], "section": [[s["section"], s["subsection"]]]},
    }


def spy(pid: int, out: Path, seconds: float) -> subprocess.Popen[bytes]:
    """py-spy recording ``pid`` as collapsed stacks (one line per stack, with its count)."""
    return subprocess.Popen(
        [
            *("py-spy", "record", "--format", "raw", "-r", "200"),
            *("-p", str(pid), "-o", str(out), "-d", str(int(seconds))),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def measure(urls: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    """Rounds alternating between the servers; the best round of each."""
    runs: dict[str, list[Any]] = {name: [] for name in urls}
    for url in urls.values():
        httpx.get(url, timeout=10).raise_for_status()
        wrk(url, seconds=1, core=1)  # warm-up
    for _ in range(args.rounds):
        for name, url in urls.items():
            runs[name].append(wrk(url, seconds=args.seconds, core=1))
    found = {}
    for name, done in runs.items():
        best = max(done, key=lambda r: r.rps)
        found[name] = {
            "rps": round(best.rps, 1),
            "p50_ms": best.p50_ms,
            "p99_ms": best.p99_ms,
            "rounds_rps": [round(r.rps, 1) for r in done],
        }
    return found


def profile(name: str, url: str, pid: int, tag: str, seconds: float) -> str:
    """Record one process while wrk loads one endpoint."""
    PROFILES.mkdir(parents=True, exist_ok=True)
    out = PROFILES / f"articles_{name}_{tag}.collapsed"
    recorder = spy(pid, out, seconds + 1)
    time.sleep(0.5)
    wrk(url, seconds=seconds, core=1)
    recorder.wait(60)
    return str(out.relative_to(ROOT.parent))


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Start, seed, start the copies and the baseline, measure, stop."""
    load_before = os.getloadavg()
    older = extract(args.before)
    platform = start_platform()
    baseline_proc: subprocess.Popen[bytes] | None = None
    try:
        s = seed(platform)
        # before, after and after untraced are copies on the same schema with the outbox
        # relay off (the platform's own articles process polls the outbox 50 times a
        # second: it would share core 0 with the process measured)
        copies = {
            "before": {"PYTHONPATH": os.pathsep.join(str(older / p) for p in SOURCES)},
            "after": {},
            "after_untraced": {"NEWSROOM_TRACING": "false"},
        }
        procs = {
            name: platform.add(
                f"articles-{name}",
                "articles",
                "articles",
                port=free_port(),
                ARTICLES_RELAY_IN_PROCESS="false",
                **env,
            )
            for name, env in copies.items()
        }
        for proc in procs.values():
            proc.start()
        for proc in procs.values():
            proc.wait_ready()
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as params:
            json.dump(baseline_params(platform, s), params)
        env = {**os.environ, "ORIGIN_BASELINE": params.name, "PYTHONPATH": str(ROOT)}
        port = free_port()
        baseline_proc = _uvicorn("_origin_baseline:app", port, env, factory=False)
        baseline = f"http://127.0.0.1:{port}"
        _wait(f"{baseline}/latest")
        pids = {name: proc.popen.pid for name, proc in procs.items()}  # type: ignore[union-attr]
        for pid in [*pids.values(), baseline_proc.pid]:
            pin(pid, "0")
        found: dict[str, Any] = {}
        for name, path_ in endpoints(s).items():
            if args.only and name not in args.only:
                continue
            urls = {copy: f"{proc.url}{path_}" for copy, proc in procs.items()}
            urls["baseline"] = f"{baseline}/{name}"
            result = measure(urls, args)
            base = result["baseline"]["rps"]
            result["ratio_before"] = round(result["before"]["rps"] / base, 3)
            result["ratio_after"] = round(result["after"]["rps"] / base, 3)
            result["ratio_after_untraced"] = round(result["after_untraced"]["rps"] / base, 3)
            result["path"] = path_
            if args.profile:
                result["profiles"] = [
                    profile(name, urls[tag], pids[tag], tag, args.seconds)
                    for tag in ("before", "after")
                ]
            found[name] = result
            print(
                f"{name:8} before {result['before']['rps']:7.0f}  after "
                f"{result['after']['rps']:7.0f}  untraced {result['after_untraced']['rps']:7.0f}  "
                f"baseline {base:7.0f} req/s  = {result['ratio_before']:.3f}x -> "
                f"{result['ratio_after']:.3f}x ({result['ratio_after_untraced']:.3f}x untraced)",
                flush=True,
            )
        return {
            "load_generator": "wrk -t1 -c16 on core 1; each server pinned to core 0",
            "before": args.before,
            "seconds": args.seconds,
            "rounds": args.rounds,
            "articles": BULK + 40,
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
            "endpoints": found,
        }
    finally:
        if baseline_proc is not None:
            baseline_proc.terminate()
            baseline_proc.wait(10)
        platform.close()
        shutil.rmtree(older, ignore_errors=True)


def main() -> None:
    """Parse arguments, run, print and save."""
    # a terminated run still stops the platform it started (the finally blocks run)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="HEAD", help="the commit measured as before")
    parser.add_argument("--seconds", type=int, default=4)  # wrk takes whole seconds
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--only", nargs="*", default=[])
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    result = run(args)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"load average {result['load_average_before']} -> {result['load_average_after']}")


if __name__ == "__main__":
    main()
