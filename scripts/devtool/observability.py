"""Prometheus (Debian's package) and the Jaeger trace store (built with Go) for `make up`.

Prometheus runs the repository's scrape configuration and alert rules
(``infra/prometheus``) against every process of the local run; Jaeger (v2, in memory)
receives OTLP traces from every process. Both listen on 127.0.0.1 only. Jaeger is built
once from the versions pinned in ``infra/jaeger/go.mod`` into ``.dev/bin`` and reused.
"""

from __future__ import annotations

import os
import shutil
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from devtool import procs
from devtool.config import DEV, HOME, HOST, LOGS, REPO
from devtool.errors import DevError

PROMETHEUS_PORT = 9090
JAEGER_QUERY_PORT = 16686
JAEGER_OTLP_HTTP_PORT = 4318
PROMETHEUS_CONFIG = REPO / "infra" / "prometheus" / "prometheus.yml"
PROMETHEUS_DATA = HOME / "prometheus"
JAEGER_MODULE = REPO / "infra" / "jaeger"
JAEGER_CONFIG = JAEGER_MODULE / "config.yaml"
JAEGER_PACKAGE = "github.com/jaegertracing/jaeger/cmd/jaeger"
START_TIMEOUT = 60.0
BUILD_TIMEOUT = 3600
GO_PATHS = ("/usr/local/go/bin/go", "/usr/lib/go/bin/go")

PROMETHEUS = procs.Daemon("prometheus", PROMETHEUS_PORT, marker=str(PROMETHEUS_DATA))
JAEGER = procs.Daemon("jaeger", JAEGER_QUERY_PORT, marker=str(JAEGER_CONFIG))


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - local http
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _jaeger_version() -> str:
    for line in (JAEGER_MODULE / "go.mod").read_text().splitlines():
        if line.strip().startswith("github.com/jaegertracing/jaeger "):
            return line.split()[1]
    raise DevError(f"{JAEGER_MODULE / 'go.mod'} does not pin github.com/jaegertracing/jaeger")


def jaeger_binary() -> Path:
    """The Jaeger program of the pinned version, built with Go on first use."""
    binary = DEV / "bin" / f"jaeger-{_jaeger_version()}"
    if binary.exists():
        return binary
    go = shutil.which("go") or next((g for g in GO_PATHS if Path(g).exists()), None)
    if go is None:
        raise DevError("go not found: Jaeger is built with Go (1.26 or newer)")
    procs.say("jaeger", f"building {binary.name} with Go (once; a few minutes)")
    binary.parent.mkdir(parents=True, exist_ok=True)
    LOGS.mkdir(parents=True, exist_ok=True)
    partial = binary.with_suffix(".partial")
    argv = [go, "-C", str(JAEGER_MODULE), "build", "-o", str(partial), JAEGER_PACKAGE]
    procs.run(argv, what="go build jaeger", env=dict(os.environ), timeout=BUILD_TIMEOUT)
    partial.rename(binary)
    return binary


def prometheus_argv(*, config: Path, data: Path, port: int) -> list[str]:
    """The command line of a Prometheus server bound to loopback."""
    server = shutil.which("prometheus") or "/usr/bin/prometheus"
    if not Path(server).exists():
        raise DevError("prometheus not found: run `python3 scripts/dev.py bootstrap`")
    return [
        server, f"--config.file={config}", f"--storage.tsdb.path={data}",
        f"--web.listen-address={HOST}:{port}", "--storage.tsdb.retention.time=3d",
        "--web.enable-lifecycle",
    ]  # fmt: skip


def jaeger_env(*, query_port: int, otlp_http_port: int) -> dict[str, str]:
    """The environment that puts Jaeger's listeners on the given loopback ports."""
    return {
        **os.environ,
        "JAEGER_QUERY_PORT": str(query_port),
        "JAEGER_QUERY_GRPC_PORT": str(query_port - 1),
        "JAEGER_OTLP_HTTP_PORT": str(otlp_http_port),
    }


def _up(daemon: procs.Daemon, argv: list[str], ready_url: str, env: dict[str, str]) -> None:
    pid = procs.running_pid(daemon)
    if pid is None:
        procs.ensure_port_free(daemon)
        pid = procs.spawn(daemon, argv, env=env)
        procs.say(daemon.name, f"started (pid {pid})")
    else:
        procs.say(daemon.name, f"already running (pid {pid})")
    procs.wait_ready(daemon, lambda: _answers(ready_url), timeout=START_TIMEOUT)
    procs.say(daemon.name, f"ready on http://{HOST}:{daemon.port}/")


def up() -> None:
    """Start Jaeger (building it first if needed), then Prometheus."""
    binary = str(jaeger_binary())
    env = jaeger_env(query_port=JAEGER_QUERY_PORT, otlp_http_port=JAEGER_OTLP_HTTP_PORT)
    ready = f"http://{HOST}:{JAEGER_QUERY_PORT}/api/services"
    _up(JAEGER, [binary, f"--config={JAEGER_CONFIG}"], ready, env)
    PROMETHEUS_DATA.mkdir(parents=True, exist_ok=True)
    argv = prometheus_argv(config=PROMETHEUS_CONFIG, data=PROMETHEUS_DATA, port=PROMETHEUS_PORT)
    _up(PROMETHEUS, argv, f"http://{HOST}:{PROMETHEUS_PORT}/-/ready", dict(os.environ))


def down() -> None:
    """Stop Prometheus and Jaeger if dev.py started them."""
    for daemon in (PROMETHEUS, JAEGER):
        if procs.stop(daemon):
            procs.say(daemon.name, "stopped")


def otel_endpoint() -> str:
    """Where the local run's processes send their traces (OTLP over HTTP)."""
    return f"http://{HOST}:{JAEGER_OTLP_HTTP_PORT}"


def status_rows() -> list[tuple[str, procs.Daemon, Callable[[], bool], str]]:
    """(name, handle, health check, address) of Prometheus and Jaeger."""
    return [
        ("prometheus", PROMETHEUS, lambda: _answers(f"http://{HOST}:{PROMETHEUS_PORT}/-/ready"),
         f"http://{HOST}:{PROMETHEUS_PORT}/"),
        ("jaeger", JAEGER, lambda: _answers(f"http://{HOST}:{JAEGER_QUERY_PORT}/api/services"),
         f"http://{HOST}:{JAEGER_QUERY_PORT}/"),
    ]  # fmt: skip
