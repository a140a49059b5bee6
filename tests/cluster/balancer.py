"""HAProxy (Debian's package) in front of gateway copies, as a child process.

The configuration is written to a temporary directory; HAProxy runs in the foreground
(``-db``), balances round-robin over the copies, checks each copy's ``/readyz`` and names
the copy that answered in the response header :data:`COPY_HEADER`. A second listener
serves HAProxy's statistics as CSV, which tells whether it holds a copy up or down.
"""

from __future__ import annotations

import csv
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from tests.stack import Platform, Process, free_port

HAPROXY = "/usr/sbin/haproxy"  # scripts/devtool/bootstrap.py APT_REQUIREMENTS
COPY_HEADER = "x-gateway-copy"
BACKEND = "gateways"
START_TIMEOUT = 10.0


def _config(*, port: int, stats_port: int, servers: dict[str, int], check_ms: int) -> str:
    lines = [
        "global",
        "    log stdout format raw local0 notice",
        "    maxconn 4096",
        "defaults",
        "    mode http",
        "    log global",
        "    timeout connect 1s",
        "    timeout client 30s",
        "    timeout server 30s",
        "    timeout http-keep-alive 30s",
        # a refused connection (a copy gone before its check noticed) goes to another copy;
        # nothing else is retried: a request a copy received may have been counted there
        "    retries 2",
        "    option redispatch 1",
        "frontend edge",
        f"    bind 127.0.0.1:{port}",
        f"    default_backend {BACKEND}",
        "frontend stats",
        f"    bind 127.0.0.1:{stats_port}",
        "    stats enable",
        "    stats uri /stats",
        f"backend {BACKEND}",
        "    balance roundrobin",
        "    option httpchk GET /readyz",
        "    http-check expect status 200",
        f"    default-server inter {check_ms}ms fastinter {check_ms}ms fall 2 rise 2",
        f"    http-response set-header {COPY_HEADER} %[srv_name]",
    ]
    lines += [f"    server {name} 127.0.0.1:{p} check" for name, p in servers.items()]
    return "\n".join(lines) + "\n"


@dataclass
class Balancer:
    """One HAProxy process balancing over gateway copies (server name -> port)."""

    servers: dict[str, int]
    check_ms: int = 250
    port: int = field(default_factory=free_port)
    stats_port: int = field(default_factory=free_port)
    home: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="newsroom-lb-")))
    popen: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Where clients send requests."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        """HAProxy's own output (start-up problems, copies going down and up)."""
        return self.home / "haproxy.log"

    def start(self) -> Balancer:
        """Write the configuration, check it, start HAProxy, wait until every copy is up."""
        if not Path(HAPROXY).exists():
            raise RuntimeError(f"{HAPROXY} missing: run `python3 scripts/dev.py bootstrap`")
        config = self.home / "haproxy.cfg"
        config.write_text(
            _config(
                port=self.port,
                stats_port=self.stats_port,
                servers=self.servers,
                check_ms=self.check_ms,
            )
        )
        checked = subprocess.run(
            [HAPROXY, "-c", "-q", "-f", str(config)], capture_output=True, text=True, timeout=30
        )
        if checked.returncode != 0:
            raise RuntimeError(f"HAProxy refused {config}:\n{checked.stdout}{checked.stderr}")
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(
                [HAPROXY, "-db", "-f", str(config)],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            self.wait_for(up=set(self.servers), timeout=START_TIMEOUT)
        except BaseException:
            self.stop()
            raise
        return self

    def states(self) -> dict[str, str]:
        """HAProxy's view of each copy (``UP``, ``DOWN``, ``UP 1/2``...)."""
        response = httpx.get(f"http://127.0.0.1:{self.stats_port}/stats;csv", timeout=5)
        response.raise_for_status()
        rows = csv.DictReader(response.text.lstrip("# ").splitlines())
        return {
            row["svname"]: row["status"]
            for row in rows
            if row["pxname"] == BACKEND and row["svname"] in self.servers
        }

    def wait_for(
        self, *, up: set[str], down: frozenset[str] = frozenset(), timeout: float
    ) -> float:
        """Seconds until HAProxy holds ``up`` up and ``down`` down; fails after ``timeout``."""
        started = time.monotonic()
        states: dict[str, str] = {}
        while time.monotonic() - started < timeout:
            if self.popen is not None and self.popen.poll() is not None:
                break
            try:
                states = self.states()
            except httpx.HTTPError:
                states = {}
            if all(states.get(name) == "UP" for name in up) and all(
                states.get(name, "").startswith("DOWN") for name in down
            ):
                return time.monotonic() - started
            time.sleep(0.05)
        tail = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
        raise AssertionError(f"HAProxy states {states}, wanted up {up} down {set(down)}:\n{tail}")

    def stop(self) -> None:
        """Stop HAProxy (SIGTERM, SIGKILL if it lingers); its directory stays for the log."""
        popen, self.popen = self.popen, None
        if popen is not None and popen.poll() is None:
            popen.send_signal(signal.SIGTERM)
            try:
                popen.wait(10)
            except subprocess.TimeoutExpired:
                popen.kill()
                popen.wait(5)


def port_of(process: Process) -> int:
    """The port a platform process serves HTTP on."""
    assert process.url is not None, f"{process.name} serves no HTTP"
    port = urlsplit(process.url).port
    assert port is not None, process.url
    return port


def start_gateway_copy(platform: Platform, name: str, **settings: str) -> Process:
    """Another gateway copy on its own port, journaling its reads in a directory of its own.

    A copy started again (``platform.restart(name)``) keeps its port and so its journal
    file, and re-sends the reads it journaled and never got into Kafka.
    """
    journal = platform.logs / f"views-{name}"
    return platform.extra_gateway(name, GATEWAY_VIEW_JOURNAL_DIR=str(journal), **settings)
