"""Where tracing's cost goes on the uncached page: py-spy over a traced platform under load.

Starts Jaeger and one platform exporting every span to it, a gateway with its cache off,
loads its article page with wrk (8 connections, both cores) and records the gateway and the
three services with py-spy meanwhile. Writes collapsed stacks to
bench/results/profiles/tracing_<process>.collapsed (the same with ``--off`` for a platform
with tracing off, to compare).

    uv run python bench/_profile_tracing.py [--off]   # on the test instance (make test-status)
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
sys.path.insert(0, str(ROOT.parent / "scripts"))

from _load import wrk  # noqa: E402 - needs the path
from gateway_read import UNLIMITED, _publish  # noqa: E402 - needs the path

from tests.ops.observability import jaeger  # noqa: E402 - needs the path
from tests.stack import start_platform  # noqa: E402 - needs the path

PROFILES = ROOT / "results" / "profiles"
PROFILED = ("gateway-uncached", "articles", "comments", "analytics")


def _record(pid: int, out: Path, seconds: int) -> None:
    subprocess.run(
        ["py-spy", "record", "--pid", str(pid), "--duration", str(seconds), "--rate", "250",
         "--format", "raw", "--output", str(out), "--nonblocking"],
        check=True, capture_output=True,
    )  # fmt: skip


def main() -> None:
    """Start, load, record."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--off", action="store_true", help="profile with tracing off")
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--tag", default="", help="file name suffix (default: on / off)")
    args = parser.parse_args()
    tag = args.tag or ("off" if args.off else "on")
    with ExitStack() as stack:
        if args.off:
            env = {"NEWSROOM_TRACING": "false"}
        else:
            env = {"NEWSROOM_OTEL_ENDPOINT": stack.enter_context(jaeger()).otlp}
        platform = start_platform(env)
        stack.callback(platform.close)
        article = _publish(platform)
        uncached = platform.extra_gateway(
            "gateway-uncached", GATEWAY_CACHE_ENABLED="false", **UNLIMITED
        )
        url = f"{uncached.url}/articles/{article}"
        wrk(url, seconds=3, connections=8)
        running = platform.running()
        PROFILES.mkdir(parents=True, exist_ok=True)
        recorders = []
        for name in PROFILED:
            if (popen := running[name].popen) is not None:
                out = PROFILES / f"tracing_{tag}_{name}.collapsed"
                recorders.append(
                    threading.Thread(target=_record, args=(popen.pid, out, args.seconds))
                )
        for recorder in recorders:
            recorder.start()
        load = wrk(url, seconds=args.seconds + 2, connections=8)
        for recorder in recorders:
            recorder.join()
        print(f"tracing {tag}: {load.rps:.1f} pages/s, p50 {load.p50_ms} ms, p99 {load.p99_ms} ms")


if __name__ == "__main__":
    main()
