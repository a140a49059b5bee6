"""wrk as the benchmarks' load generator: a run's rate and latency percentiles."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass(frozen=True, slots=True)
class Run:
    """One wrk run."""

    rps: float
    p50_ms: float
    p99_ms: float
    requests: int


def _ms(value: str) -> float:
    match = re.fullmatch(r"([0-9.]+)(us|ms|s|m)", value)
    if match is None:
        raise ValueError(f"not a wrk duration: {value}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def wrk(
    url: str,
    *,
    seconds: float,
    connections: int = 16,
    threads: int = 1,
    headers: dict[str, str] | None = None,
    core: int | None = None,
) -> Run:
    """Load ``url``; ``core`` pins wrk to one CPU. Fails on any non-2xx answer."""
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed: run `make bootstrap`")
    pin = ["taskset", "-c", str(core)] if core is not None and (os.cpu_count() or 1) > 1 else []
    whole = max(1, round(seconds))  # wrk takes whole seconds (it refuses "-d3.0s")
    argv = [*pin, "wrk", f"-t{threads}", f"-c{connections}", f"-d{whole}s", "--latency"]
    for name, value in {"User-Agent": UA, **(headers or {})}.items():
        argv += ["-H", f"{name}: {value}"]
    out = subprocess.run(
        [*argv, url], capture_output=True, text=True, check=True, timeout=seconds + 30
    ).stdout
    rate = re.search(r"Requests/sec:\s+([0-9.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    p50 = re.search(r"^\s+50%\s+(\S+)\s*$", out, flags=re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)\s*$", out, flags=re.M)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if not (rate and total and p50 and p99) or bad is not None:
        raise RuntimeError(f"wrk failed or saw errors on {url}:\n{out}")
    return Run(float(rate.group(1)), _ms(p50.group(1)), _ms(p99.group(1)), int(total.group(1)))


def cpu_seconds(pid: int) -> float:
    """User and system CPU a process (all its threads) has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pin(pid: int, cores: str) -> None:
    """Every thread of a process onto the given cores (``taskset -a``)."""
    if (os.cpu_count() or 1) > 1:
        subprocess.run(
            ["taskset", "-a", "-p", "-c", cores, str(pid)], check=True, capture_output=True
        )


def _with_descendants(pids: Iterable[int]) -> set[int]:
    """The processes and every process they started (PostgreSQL's backends, say)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), list(pids)
    while todo:
        pid = todo.pop()
        if pid not in found:
            found.add(pid)
            todo += children.get(pid, [])
    return found


@contextmanager
def kept_on(pids: Iterable[int], cores: str) -> Iterator[None]:
    """Hold processes (and their children) on ``cores`` for a measurement, then free them.

    The servers being compared get a core to themselves: the broker, Redis, PostgreSQL
    and the services not under test run beside the load generator instead.
    """
    tree = _with_descendants(pids)
    everywhere = ",".join(str(c) for c in sorted(os.sched_getaffinity(0)))
    for pid in tree:
        try:
            pin(pid, cores)
        except subprocess.CalledProcessError:
            pass  # it ended meanwhile
    try:
        yield
    finally:
        for pid in tree:
            try:
                pin(pid, everywhere)
            except subprocess.CalledProcessError:
                pass
