"""Where the cached read's time goes: py-spy over the gateway serving its cached page.

Starts the platform, publishes an article, starts a gateway copy with the read limit off,
loads its cached article page with wrk (32 connections on core 1, the gateway alone on
core 0) and records the gateway with py-spy meanwhile. Writes collapsed stacks to
bench/results/profiles/cached_read_<tag>.collapsed.

    uv run python bench/_profile_cached.py [--tag before] [--seconds 15]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

from _load import UA, pin, wrk  # noqa: E402 - needs the path
from gateway_read import UNLIMITED, _publish  # noqa: E402 - needs the path

from tests.stack import start_platform  # noqa: E402 - needs the path

PROFILES = ROOT / "results" / "profiles"


def main() -> None:
    """Start, load, record."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tag", default="now")
    parser.add_argument("--seconds", type=int, default=15)
    args = parser.parse_args()
    platform = start_platform()
    try:
        article = _publish(platform)
        cached = platform.extra_gateway("gateway-bench", **UNLIMITED)
        assert cached.popen is not None
        url = f"{cached.url}/articles/{article}"
        pin(cached.popen.pid, "0")
        wrk(url, seconds=3, connections=32, core=1)
        PROFILES.mkdir(parents=True, exist_ok=True)
        out = PROFILES / f"cached_read_{args.tag}.collapsed"
        spy = threading.Thread(
            target=subprocess.run,
            args=(["py-spy", "record", "--pid", str(cached.popen.pid), "--duration",
                   str(args.seconds), "--rate", "500", "--format", "raw", "--output", str(out),
                   "--nonblocking"],),
            kwargs={"check": True, "capture_output": True},
        )  # fmt: skip
        spy.start()
        load = wrk(url, seconds=args.seconds + 2, connections=32, core=1)
        spy.join()
        print(f"cached read under py-spy: {load.rps:.0f} req/s (user agent {UA[:20]}...)")
    finally:
        platform.close()


if __name__ == "__main__":
    main()
