"""Prometheus and Jaeger started by a test, on free loopback ports (never the dev stack's)."""

from __future__ import annotations

import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import yaml
from devtool import observability

from tests.stack import REPO, free_port

START_TIMEOUT = 60.0


def _wait(url: str, popen: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if popen.poll() is not None:
            break
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer:\n{log.read_text(errors='replace')[-3000:]}")


@contextmanager
def _running(argv: list[str], ready: str, env: dict[str, str] | None = None) -> Iterator[None]:
    with tempfile.NamedTemporaryFile(prefix="newsroom-obs-", suffix=".log", delete=False) as out:
        log = Path(out.name)
        popen = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        _wait(ready, popen, log)
        yield
    finally:
        popen.terminate()
        try:
            popen.wait(10)
        except subprocess.TimeoutExpired:
            popen.kill()
            popen.wait(5)


@dataclass(frozen=True)
class Jaeger:
    """A Jaeger of this test: its query API and its OTLP/HTTP endpoint."""

    api: str
    otlp: str


@contextmanager
def jaeger() -> Iterator[Jaeger]:
    """Jaeger (built once into .dev/bin by the dev command's code) on free ports."""
    binary = observability.jaeger_binary()
    query, otlp = free_port(), free_port()
    env = observability.jaeger_env(query_port=query, otlp_http_port=otlp)
    env["JAEGER_QUERY_GRPC_PORT"] = str(free_port())
    api = f"http://127.0.0.1:{query}"
    argv = [str(binary), f"--config={observability.JAEGER_CONFIG}"]
    with _running(argv, f"{api}/api/services", env):
        yield Jaeger(api=api, otlp=f"http://127.0.0.1:{otlp}")


@contextmanager
def prometheus(scrape_targets: dict[str, list[str]]) -> Iterator[str]:
    """Prometheus with the repository's rules, scraping ``{service: [host:port]}`` every second."""
    home = Path(tempfile.mkdtemp(prefix="newsroom-prom-"))
    rules = REPO / "infra" / "prometheus" / "rules"
    static = [{"targets": t, "labels": {"service": s}} for s, t in scrape_targets.items()]
    config = home / "prometheus.yml"
    document = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [f"{rules}/*.yml"],
        "scrape_configs": [{"job_name": "newsroom", "static_configs": static}],
    }
    config.write_text(yaml.safe_dump(document))
    port = free_port()
    argv = observability.prometheus_argv(config=config, data=home / "data", port=port)
    url = f"http://127.0.0.1:{port}"
    with _running(argv, f"{url}/-/ready"):
        yield url
