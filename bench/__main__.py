"""``python -m bench [name ...]``: run the benchmarks one after another and summarise them.

Each benchmark is a script ``bench/<name>.py`` that measures a baseline in the same run,
prints its figures and writes ``bench/results/<name>.json``. This runner adds nothing to
the measurements; it only runs them in turn (they would compete for the same two cores
if run together) and prints one summary.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
RESULTS = HERE / "results"
TIME_LIMIT = 15 * 60  # seconds per benchmark


def discover(names: list[str]) -> list[Path]:
    """Benchmark scripts to run: the named ones, or all."""
    scripts = sorted(p for p in HERE.glob("*.py") if not p.name.startswith("_"))
    if names:
        scripts = [p for p in scripts if p.stem in names]
    return scripts


def run(script: Path) -> tuple[int, float]:
    """Run one benchmark; returns its exit code and duration."""
    started = time.monotonic()
    try:
        code = subprocess.run(
            [sys.executable, str(script)], check=False, timeout=TIME_LIMIT
        ).returncode
    except subprocess.TimeoutExpired:
        code = 124
    return code, time.monotonic() - started


def main() -> int:
    """Run, then print a summary from the result files."""
    failures = 0
    for script in discover(sys.argv[1:]):
        print(f"\n=== {script.stem} ===", flush=True)
        code, took = run(script)
        print(f"--- {script.stem}: exit {code} in {took:.0f}s", flush=True)
        failures += code != 0
    print("\n=== summary ===")
    for result in sorted(RESULTS.glob("*.json")):
        print(
            f"{result.stem}: {json.dumps(json.loads(result.read_text()), ensure_ascii=False)[:400]}"
        )
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
