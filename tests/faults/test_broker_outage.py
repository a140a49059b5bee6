"""A broker outage at benchmark load: reads stay fast, memory stays bounded, counts stay exact.

A gateway copy of its own (small memory limit, its own journal) is read by ``wrk`` at
full speed while the test instance's broker is down for ``OUTAGE_SECONDS``. Every read
is the same visitor's, so analytics files each under reads, bot reads or repeats; the
three together must equal the reads answered (each counted once). With a disk budget
too small for the outage, the reads past it are dropped, counted as such, and every
other read is counted once.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from redis import Redis

from tests.conftest import BROWSER_UA, Content
from tests.faults.instance import kill_dev_component, restart_dev_infra
from tests.stack import Platform, Process

OUTAGE_SECONDS = float(os.environ.get("NEWSROOM_OUTAGE_SECONDS", "60"))
MEMORY_LIMIT = 10_000  # reads held in memory by the gateway copy under test
MIN_BUDGET = 4 << 20  # the smallest journal budget the gateway accepts
RSS_GROWTH_LIMIT = 64 << 20  # what holding MEMORY_LIMIT reads may add to the process
P99_LIMIT_MS = 50.0
CONNECTIONS = 8
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}

pytestmark = pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is installed by make")


@dataclass
class WrkRun:
    """What wrk saw: answered reads and latency percentiles."""

    requests: int
    failed: int  # non-2xx/3xx answers and socket errors
    p99_ms: float
    seconds: float

    @classmethod
    def parse(cls, output: str, seconds: float) -> WrkRun:
        requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr] # wrk always prints it
        failed = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
        for kind in ("connect", "read", "write", "timeout"):
            failed += sum(int(n) for n in re.findall(rf"{kind} (\d+)", output))
        p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", output)
        assert p99 is not None, output
        return cls(requests, failed, float(p99.group(1)) * UNITS_MS[p99.group(2)], seconds)

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


def wrk(url: str, seconds: float) -> WrkRun:
    """Read ``url`` as fast as 8 connections allow, for ``seconds``."""
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{CONNECTIONS}",
            f"-d{int(seconds)}s",
            "--latency",
            "-H",
            f"User-Agent: {BROWSER_UA}",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    ).stdout
    print(out)
    return WrkRun.parse(out, seconds)


class PeakRss:
    """The highest resident set size of a process while the block runs."""

    def __init__(self, pid: int) -> None:
        self._status = Path(f"/proc/{pid}/status")
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def rss(self) -> int:
        match = re.search(r"VmRSS:\s+(\d+) kB", self._status.read_text())
        return int(match.group(1)) * 1024 if match else 0

    def _watch(self) -> None:
        while not self._stop.wait(0.2):
            self.peak = max(self.peak, self.rss())

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(5)


def counted(platform: Platform, article_id: int) -> int:
    """Reads, bot reads and repeats of the article: every read applied, whatever it was."""
    keys = platform.analytics_keys()
    with Redis.from_url(platform.base_env["NEWSROOM_REDIS_URL"]) as redis:
        return sum(
            int(redis.hget(keys.counter(n), str(article_id)) or 0)
            for n in ("reads", "bots", "dups")
        )


def metric(gateway: Process, name: str, **labels: str) -> float:
    """The sum of the gateway copy's samples ``name`` that carry ``labels``."""
    assert gateway.metrics_url is not None
    text = httpx.get(gateway.metrics_url, timeout=10).text
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and labels.items() <= sample.labels.items()
    )


def answered_by(gateway: Process) -> int:
    """Article pages the gateway copy answered (wrk leaves its last in-flight ones uncounted)."""
    return sum(
        int(
            metric(
                gateway,
                "http_server_request_duration_seconds_count",
                http_route="/articles/{article_id}",
                http_response_status_code=status,
            )
        )
        for status in ("200", "304")
    )


def settle(platform: Platform, article_id: int, expected: int, timeout: float = 240.0) -> int:
    """The article's applied reads once they reach ``expected`` (or the deadline), held 3 s."""
    deadline = time.monotonic() + timeout
    while counted(platform, article_id) < expected and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(3)  # a double count would show up now
    return counted(platform, article_id)


def outage(platform: Platform, gateway: Process, article_id: int) -> tuple[WrkRun, int]:
    """Reads at full speed while the broker is down; (what wrk saw, peak RSS growth)."""
    url = f"{gateway.url}/articles/{article_id}"
    httpx.get(url, headers={"user-agent": BROWSER_UA}, timeout=10).raise_for_status()  # cached
    assert gateway.popen is not None
    kill_dev_component("kafka")
    try:
        with PeakRss(gateway.popen.pid) as rss:
            before = rss.rss()
            run = wrk(url, OUTAGE_SECONDS)
    finally:
        restart_dev_infra()
    return run, rss.peak - before


def _copy(platform: Platform, name: str, tmp_path: Path, **settings: str) -> Process:
    return platform.extra_gateway(
        name,
        GATEWAY_VIEW_JOURNAL_DIR=str(tmp_path / name),
        GATEWAY_READ_MEMORY_LIMIT=str(MEMORY_LIMIT),
        GATEWAY_RATE_READ_PER_MINUTE=str(10**9),
        # its own cache and rate-limit keys: its flood of reads from 127.0.0.1 must not
        # use up the shared gateway's read budget for that address
        GATEWAY_REDIS_PREFIX=f"gw-{name}-{platform.uid}",
        **settings,
    )


def test_reads_are_answered_and_counted_once_through_a_broker_outage(
    platform: Platform, content: Content, tmp_path: Path
) -> None:
    article_id = content.article_ids[1]
    gateway = _copy(platform, "gateway-outage", tmp_path)
    before = counted(platform, article_id)
    run, growth = outage(platform, gateway, article_id)
    answered = answered_by(gateway)
    assert run.requests < answered <= run.requests + CONNECTIONS + 1  # + the warming read
    total = settle(platform, article_id, before + answered) - before
    print(
        f"{run.per_second:.0f} reads/s, p99 {run.p99_ms} ms, RSS +{growth >> 20} MiB, "
        f"answered {answered}, counted {total}"
    )
    assert run.failed == 0
    assert run.p99_ms <= P99_LIMIT_MS
    assert growth <= RSS_GROWTH_LIMIT, "reads past the memory limit wait on disk"
    assert total == answered, "every answered read counted once"
    platform.stop("gateway-outage")


def test_past_the_disk_budget_reads_are_dropped_counted_and_nothing_else_lost(
    platform: Platform, content: Content, tmp_path: Path
) -> None:
    article_id = content.article_ids[2]
    gateway = _copy(
        platform, "gateway-budget", tmp_path, GATEWAY_READ_JOURNAL_BUDGET_BYTES=str(MIN_BUDGET)
    )
    before = counted(platform, article_id)
    run, _ = outage(platform, gateway, article_id)
    answered = answered_by(gateway)
    dropped = int(metric(gateway, "newsroom_views_dropped_total", reason="disk"))
    total = settle(platform, article_id, before + answered - dropped) - before
    print(f"{run.per_second:.0f} reads/s, answered {answered}, dropped {dropped}, counted {total}")
    assert run.failed == 0
    assert dropped > 0, "the outage outgrew the disk budget"
    assert total == answered - dropped, "dropped reads are the only ones not counted"
    platform.stop("gateway-budget")
