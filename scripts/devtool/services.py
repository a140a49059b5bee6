"""The platform's own processes: migrations, demo content, HTTP apps and consumers."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from devtool import procs
from devtool.bootstrap import uv
from devtool.config import HOST, REPO, SERVICE_PORTS, STATE, process_env
from devtool.errors import DevError


@dataclass(frozen=True)
class ServiceProcess:
    """One long-running process of a service: its HTTP app or its consumer process."""

    name: str
    service: str
    module: str  # run as `python -m <module>`
    port: int | None = None  # HTTP apps answer /readyz here
    metrics_port: int | None = None  # /metrics for Prometheus (127.0.0.1 like every port)


# The single table of what `up` runs, in start order (`down` stops in reverse).
PROCESSES = (
    ServiceProcess("articles", "articles", "articles", SERVICE_PORTS["articles"], 9111),
    ServiceProcess("comments", "comments", "comments", SERVICE_PORTS["comments"], 9112),
    ServiceProcess("analytics", "analytics", "analytics", SERVICE_PORTS["analytics"], 9113),
    ServiceProcess("gateway", "gateway", "gateway", SERVICE_PORTS["gateway"], 9110),
    ServiceProcess("articles-worker", "articles", "articles.consumers", metrics_port=9101),
    ServiceProcess("comments-worker", "comments", "comments.consumers", metrics_port=9102),
    ServiceProcess("analytics-worker", "analytics", "analytics.consumers", metrics_port=9103),
)
MIGRATED_SERVICES = ("articles", "comments", "analytics", "gateway")
DEMO_LOADERS = (("articles", "articles.demo"), ("gateway", "gateway.demo"))
READY_TIMEOUT = 90.0
STOP_TIMEOUT = 20.0


def daemon(process: ServiceProcess) -> procs.Daemon:
    """The pid-file handle of a service process."""
    return procs.Daemon(
        process.name, process.port, marker=f"-m {process.module} ", stop_timeout=STOP_TIMEOUT
    )


def module_exists(service: str, module: str) -> bool:
    """Whether ``python -m module`` can run yet (the services are written concurrently)."""
    base = REPO / "services" / service / "src" / Path(*module.split("."))
    return base.with_suffix(".py").exists() or (base / "__main__.py").exists()


def _uv_run(*args: str) -> list[str]:
    return [uv(), "run", "--no-sync", *args]


def migrate() -> None:
    """Bring every service's schema to its newest Alembic revision."""
    for service in MIGRATED_SERVICES:
        ini = Path("services") / service / "alembic.ini"
        if not (REPO / ini).exists():
            procs.say(service, f"warning: {ini} does not exist yet; skipping migrations")
            continue
        procs.say(service, "alembic upgrade head")
        argv = _uv_run("alembic", "-c", str(ini), "upgrade", "head")
        procs.run(argv, what=f"{service} migrations", env=process_env(), timeout=300)


def load_demo_content() -> None:
    """Run each demo loader once per database (a marker in .dev/state remembers it)."""
    STATE.mkdir(parents=True, exist_ok=True)
    for service, module in DEMO_LOADERS:
        marker = STATE / f"demo-{module}.done"
        if marker.exists():
            continue
        if not module_exists(service, module):
            procs.say(service, f"warning: {module} does not exist yet; no demo content")
            continue
        procs.say(service, f"loading demo content ({module})")
        argv = _uv_run("python", "-m", module)
        out = procs.run(argv, what=module, env=process_env(), timeout=300)
        _demo_output_file(module).write_text(out)
        marker.write_text("done\n")


def _demo_output_file(module: str) -> Path:
    return STATE / f"demo-{module}.out"


def demo_output(module: str) -> str | None:
    """What a demo loader printed when it ran (accounts, passwords), if it has run."""
    path = _demo_output_file(module)
    return path.read_text() if path.exists() else None


def readyz(port: int) -> bool:
    """Whether the app on the port answers GET /readyz with 200."""
    url = f"http://{HOST}:{port}/readyz"
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _start(process: ServiceProcess) -> procs.Daemon | None:
    handle = daemon(process)
    pid = procs.running_pid(handle)
    if pid is not None:
        procs.say(process.name, f"already running (pid {pid})")
        return handle
    if not module_exists(process.service, process.module):
        procs.say(process.name, f"warning: {process.module} does not exist yet; not started")
        return None
    procs.ensure_port_free(handle)
    env = process_env()
    if process.metrics_port is not None:
        env["NEWSROOM_METRICS_PORT"] = str(process.metrics_port)
    pid = procs.spawn(handle, _uv_run("python", "-m", process.module), env=env)
    procs.say(process.name, f"started (pid {pid}), log {handle.log_file}")
    return handle


def _wait_until_serving(process: ServiceProcess, handle: procs.Daemon) -> None:
    port = process.port
    if port is None:  # consumer processes have no HTTP endpoint: they must stay alive
        if procs.running_pid(handle) is None:
            raise DevError(
                f"{process.name} exited; see {handle.log_file}:\n{procs.log_tail(handle.log_file)}"
            )
        return
    procs.wait_ready(handle, lambda: readyz(port), timeout=READY_TIMEOUT)
    procs.say(process.name, f"ready on http://{HOST}:{port}/")


def start_all() -> None:
    """Start every process in the table and wait until the HTTP apps are ready."""
    started = [(process, _start(process)) for process in PROCESSES]
    for process, handle in started:
        if handle is not None:
            _wait_until_serving(process, handle)


def stop_all() -> None:
    """Stop every service process dev.py started, in reverse start order."""
    for process in reversed(PROCESSES):
        if procs.stop(daemon(process)):
            procs.say(process.name, "stopped")


def status_rows() -> list[tuple[str, procs.Daemon, Callable[[], bool], str]]:
    """(name, handle, health check, address) of every service process."""
    rows = []
    for process in PROCESSES:
        port = process.port
        if port is None:
            rows.append((process.name, daemon(process), lambda: True, "-"))
        else:
            check = partial(readyz, port)
            rows.append((process.name, daemon(process), check, f"http://{HOST}:{port}/"))
    return rows
