"""What tracing costs: the same reads with spans exported to Jaeger, and with tracing off.

Three platforms run side by side (tests/stack.py: every service in its own fresh schema):
``on`` records every trace and exports it over OTLP to a Jaeger started for the run,
``sampled`` records one trace in ten (``NEWSROOM_TRACE_SAMPLE_RATIO=0.1``, the Helm chart's
default) and exports those, ``off`` has ``NEWSROOM_TRACING=false`` (nothing instrumented,
nothing exported; metrics as usual). Jaeger runs on the same two cores, so its own work
counts against the traced platforms. Measured in one run, rounds interleaved so background
noise hits all alike:

1. the cached article read through a gateway (view recorded) pinned to core 0, the rest of
   both platforms and the infrastructure held on core 1 with wrk;
2. the uncached article page (a gateway with its cache off: six upstream calls, every
   service traced when tracing is on), on both cores.

Target: tracing on is at most 15% slower than off (``on`` and ``sampled`` both reported).
Also checks that Jaeger did receive the traced platforms' spans (a cost measured without
export would flatter it).

    uv run python bench/telemetry_cost.py [--seconds 8] [--rounds 3]

Writes bench/results/telemetry_cost.json. Takes about four minutes.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))  # tests.stack starts the platform
sys.path.insert(0, str(ROOT.parent / "scripts"))  # devtool builds Jaeger

from _load import kept_on, pin, wrk  # noqa: E402 - needs the path
from gateway_read import UNLIMITED, _publish  # noqa: E402 - needs the path

from tests.faults.instance import RUN_DIR  # noqa: E402 - needs the path
from tests.ops.observability import jaeger  # noqa: E402 - needs the path
from tests.stack import Platform, Process, start_platform  # noqa: E402 - needs the path

RESULTS = ROOT / "results" / "telemetry_cost.json"
TARGET = 0.85  # tracing on keeps at least 85% of the throughput with it off
SAMPLED_RATIO = "0.1"
TRACED = ("on", "sampled")


def _gateways(platform: Platform, tag: str) -> tuple[Process, Process]:
    cached = platform.extra_gateway(f"gateway-{tag}", **UNLIMITED)
    uncached = platform.extra_gateway(
        f"gateway-{tag}-uncached", GATEWAY_CACHE_ENABLED="false", **UNLIMITED
    )
    return cached, uncached


def _warm(url: str) -> None:
    for _ in range(3):
        httpx.get(url, timeout=10).raise_for_status()


def _traces_in_jaeger(api: str, service: str = "gateway") -> int:
    """How many traces Jaeger holds for ``service`` (up to the query limit)."""
    end = time.monotonic() + 30
    while time.monotonic() < end:
        answer = httpx.get(
            f"{api}/api/traces", params={"service": service, "limit": 100}, timeout=10
        )
        if answer.status_code == 200 and (found := len(answer.json().get("data") or [])):
            return found
        time.sleep(1)
    return 0


def _summary(runs: list[dict[str, float]]) -> dict[str, Any]:
    return {
        "rps": round(max(r["rps"] for r in runs), 1),
        "rps_runs": [round(r["rps"]) for r in runs],
        "p50_ms": round(statistics.median(r["p50_ms"] for r in runs), 2),
        "p99_ms": round(statistics.median(r["p99_ms"] for r in runs), 2),
    }


def _measure(urls: dict[str, str], args: argparse.Namespace, **load: Any) -> dict[str, Any]:
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in urls}
    for url in urls.values():
        wrk(url, seconds=2, **load)  # warm-up
    for _ in range(args.rounds):
        for name, url in urls.items():
            run = wrk(url, seconds=args.seconds, **load)
            runs[name].append({"rps": run.rps, "p50_ms": run.p50_ms, "p99_ms": run.p99_ms})
    result = {name: _summary(r) for name, r in runs.items()}
    for name in TRACED:
        result[f"ratio_{name}_to_off"] = round(result[name]["rps"] / result["off"]["rps"], 3)
    return result


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Measure and return the figures."""
    with jaeger() as store, ExitStack() as running:
        platforms = {}
        for tag, env in (
            ("on", {"NEWSROOM_OTEL_ENDPOINT": store.otlp}),
            ("sampled", {"NEWSROOM_OTEL_ENDPOINT": store.otlp,
                         "NEWSROOM_TRACE_SAMPLE_RATIO": SAMPLED_RATIO}),
            ("off", {"NEWSROOM_TRACING": "false"}),
        ):  # fmt: skip
            platforms[tag] = start_platform(env)
            running.callback(platforms[tag].close)
        return _compare(platforms, store.api, args)


def _compare(
    platforms: dict[str, Platform], jaeger_api: str, args: argparse.Namespace
) -> dict[str, Any]:
    pages = {}
    gateways = {}
    for tag, platform in platforms.items():
        article = _publish(platform)
        cached, uncached = _gateways(platform, tag)
        gateways[tag] = cached
        pages[tag] = (f"{cached.url}/articles/{article}", f"{uncached.url}/articles/{article}")
        _warm(pages[tag][0])
    measured = [g.popen.pid for g in gateways.values() if g.popen is not None]
    for pid in measured:
        pin(pid, "0")
    background = [
        p.popen.pid
        for platform in platforms.values()
        for p in platform.running().values()
        if p.popen is not None and p.popen.pid not in measured
    ] + [int(f.read_text().split()[0]) for f in RUN_DIR.glob("*.pid")]
    with kept_on(background, "1"):
        cached = _measure(
            {tag: url for tag, (url, _) in pages.items()}, args, connections=32, core=1
        )
    for pid in measured:
        pin(pid, "0,1")
    uncached = _measure({tag: url for tag, (_, url) in pages.items()}, args, connections=8)
    traces = _traces_in_jaeger(jaeger_api)
    if traces == 0:
        raise RuntimeError("Jaeger holds no trace of the traced platform: nothing was exported")
    return {
        "load_generator": "wrk -t1; cached: gateway alone on core 0, wrk on core 1",
        "seconds": args.seconds,
        "rounds": args.rounds,
        "cached_read_c32": cached,
        "uncached_page_c8": uncached,
        "target_ratio_on_to_off": TARGET,
        "gateway_traces_in_jaeger_sampled": traces,
    }


def main() -> None:
    """Parse arguments, run, print and save."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    result = run(parser.parse_args())
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    for name in ("cached_read_c32", "uncached_page_c8"):
        figures = result[name]
        for traced in TRACED:
            print(
                f"{name}: tracing {traced} {figures[traced]['rps']:.0f} req/s,"
                f" off {figures['off']['rps']:.0f} req/s:"
                f" {figures[f'ratio_{traced}_to_off']:.2f}x (target >= {TARGET})"
            )


if __name__ == "__main__":
    main()
