"""The whole platform as subprocesses, isolated for one test session.

Every service runs from this checkout with its own fresh Postgres schema, all of them on
topics with a unique suffix and Redis keys under unique prefixes, on free local ports.
Migrations run first, topics are created, then the HTTP apps and consumer processes start
and the fixture waits for every ``/readyz``. Tests can stop and restart single processes
(degradation) and start extra gateway copies (rate limits shared across copies).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from analytics.adapters.keys import Keys

REPO = Path(__file__).resolve().parents[1]
SERVICES = ("articles", "comments", "analytics", "gateway")
CONSUMERS = {
    "articles-worker": "articles.consumers",
    "comments-worker": "comments.consumers",
    "analytics-worker": "analytics.consumers",
}
READY_TIMEOUT = 90.0


def operator_headers() -> dict[str, str]:
    """Authorization of an operator (admin): ``/metrics`` on a public port needs it.

    Signed with the development key every process of a test session trusts; the user id
    is no account's, so no role change or logout in a test ever revokes it.
    """
    from datetime import timedelta

    from common.auth import TokenIssuer
    from common.settings import DEV_JWT_PRIVATE_KEY

    issuer = TokenIssuer(
        private_key=DEV_JWT_PRIVATE_KEY,
        issuer="newsroom",
        audience="newsroom",
        ttl=timedelta(hours=2),
    )
    token = issuer.issue(user_id=999_999_999, username="metrics-reader", roles=["admin"])
    return {"authorization": f"Bearer {token}"}


# Listening ports come from below the kernel's ephemeral range (32768-60999): a port the
# kernel hands out for port 0 may be taken by an outgoing connection before the process it
# was picked for binds it. Clear of the infrastructure ports (dev.py: 1xxxx, 2[5-9]xxx).
PORT_RANGE = range(20_000, 25_000)
_handed_out: set[int] = set()


def free_port() -> int:
    """A TCP port nobody listens on right now, never handed out before in this process."""
    for _ in range(200):
        port = random.choice(PORT_RANGE)
        if port in _handed_out:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError(f"no free port in {PORT_RANGE}")


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - local http
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@dataclass
class Process:
    """One running process of the platform."""

    name: str
    module: str
    env: dict[str, str]
    log: Path
    url: str | None = None
    popen: subprocess.Popen[bytes] | None = None
    metrics_url: str | None = None  # /metrics for Prometheus (own port, no token)

    def start(self) -> None:
        """Spawn it (output to its log file)."""
        out = self.log.open("ab")
        self.popen = subprocess.Popen(
            [sys.executable, "-m", self.module],
            cwd=REPO,
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        out.close()

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM, then SIGKILL if it does not leave in time."""
        popen, self.popen = self.popen, None
        if popen is None or popen.poll() is not None:
            return
        popen.send_signal(signal.SIGTERM)
        try:
            popen.wait(timeout)
        except subprocess.TimeoutExpired:
            popen.kill()
            popen.wait(5)

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:
        """Block until /readyz answers 200 (HTTP apps; consumers: /metrics) or fail with
        the log tail."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen is not None and self.popen.poll() is not None:
                break
            if self.url is not None and _answers(f"{self.url}/readyz"):
                return
            if self.url is None and (self.metrics_url is None or _answers(self.metrics_url)):
                return
            time.sleep(0.2)
        tail = self.log.read_text(errors="replace")[-4000:]
        raise RuntimeError(f"{self.name} did not become ready:\n{tail}")


@dataclass
class Platform:
    """The running platform of one test session."""

    uid: str
    base_env: dict[str, str]
    logs: Path
    processes: dict[str, Process] = field(default_factory=dict)

    def running(self) -> dict[str, Process]:
        """The processes started and not stopped (tests stop extra copies they started)."""
        return {
            name: process
            for name, process in self.processes.items()
            if process.popen is not None and process.popen.poll() is None
        }

    def url(self, service: str) -> str:
        """Base URL of a service (``gateway`` for the public entry)."""
        url = self.processes[service].url
        assert url is not None
        return url

    @property
    def gateway(self) -> str:
        """The public entry."""
        return self.url("gateway")

    def service_env(self, service: str, **extra: str) -> dict[str, str]:
        """The environment of a process of ``service``."""
        prefix = service.upper()
        return {
            **self.base_env,
            f"{prefix}_DB_SCHEMA": f"{service}_{self.uid}",
            f"{prefix}_REDIS_PREFIX": self.redis_prefix(service),
            **extra,
        }

    def redis_prefix(self, service: str) -> str:
        """The prefix of a service's Redis keys on this platform."""
        return f"t{self.uid}:{service}:"

    def analytics_keys(self) -> Keys:
        """The names of the analytics service's Redis keys on this platform."""
        from analytics.adapters.keys import Keys

        return Keys(self.redis_prefix("analytics"))

    def add(
        self, name: str, module: str, service: str, *, port: int | None = None, **extra: str
    ) -> Process:
        """Register (not start) a process."""
        env = self.service_env(service, **extra)
        url = None
        if port is not None:
            env[f"{service.upper()}_PORT"] = str(port)
            url = f"http://127.0.0.1:{port}"
        metrics_port = free_port()
        env["NEWSROOM_METRICS_PORT"] = str(metrics_port)
        process = Process(name, module, env, self.logs / f"{name}.log", url)
        process.metrics_url = f"http://127.0.0.1:{metrics_port}/metrics"
        self.processes[name] = process
        return process

    def stop(self, name: str) -> None:
        """Stop one process (e.g. to see the platform degrade)."""
        self.processes[name].stop()

    def restart(self, name: str) -> None:
        """Start a stopped process again and wait until it is ready."""
        process = self.processes[name]
        process.stop()
        process.start()
        process.wait_ready()

    def extra_gateway(self, name: str, **settings: str) -> Process:
        """Another gateway copy sharing Redis prefix, schema and topics with the first."""
        process = self.add(name, "gateway", "gateway", port=free_port(), **settings)
        process.start()
        process.wait_ready()
        return process

    def close(self) -> None:
        """Stop everything and drop the session's schemas."""
        for process in reversed(list(self.processes.values())):
            process.stop()
        with contextlib.suppress(Exception):
            asyncio.run(_drop_schemas(self))


async def _drop_schemas(platform: Platform) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(platform.base_env["NEWSROOM_DATABASE_URL"])
    try:
        async with engine.begin() as conn:
            for service in SERVICES:
                await conn.execute(
                    text(f'DROP SCHEMA IF EXISTS "{service}_{platform.uid}" CASCADE')
                )
    finally:
        await engine.dispose()


def _migrate(platform: Platform) -> None:
    procs = []
    for service in SERVICES:
        ini = REPO / "services" / service / "alembic.ini"
        procs.append(
            (
                service,
                subprocess.Popen(
                    [sys.executable, "-m", "alembic", "-c", str(ini), "upgrade", "head"],
                    cwd=REPO,
                    env=platform.service_env(service),
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                ),
            )
        )
    for service, proc in procs:
        out, _ = proc.communicate(timeout=180)
        if proc.returncode != 0:
            raise RuntimeError(f"{service} migrations failed:\n{out.decode(errors='replace')}")


async def _create_topics(platform: Platform) -> None:
    from common.events import ALL_TOPICS
    from common.kafka.admin import ensure_topics
    from common.settings import ServiceSettings

    settings = ServiceSettings(
        kafka_bootstrap=platform.base_env["NEWSROOM_KAFKA_BOOTSTRAP"],
        topic_suffix=platform.base_env["NEWSROOM_TOPIC_SUFFIX"],
    )
    await ensure_topics(settings, ALL_TOPICS, partitions=3)


def base_environment(uid: str) -> dict[str, str]:
    """Shared settings of every process of a session (infrastructure, isolation, limits)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(SERVICE_PREFIXES)}
    env.update(
        {
            "NEWSROOM_ENV": "test",
            "NEWSROOM_KAFKA_BOOTSTRAP": os.environ.get(
                "NEWSROOM_KAFKA_BOOTSTRAP", "127.0.0.1:29092"
            ),
            # the test instance's infrastructure (`make test`), never the stack `make up` runs
            "NEWSROOM_REDIS_URL": os.environ.get("NEWSROOM_REDIS_URL", "redis://127.0.0.1:26379/0"),
            "NEWSROOM_DATABASE_URL": os.environ.get(
                "NEWSROOM_DATABASE_URL",
                "postgresql+asyncpg://newsroom:newsroom@127.0.0.1:25432/newsroom",
            ),
            "NEWSROOM_TOPIC_SUFFIX": f".t{uid}",
            "NEWSROOM_REVOCATION_PREFIX": f"t{uid}:auth",
            "NEWSROOM_TOPIC_PARTITIONS": "3",
            # consumer groups of their own: other sessions on the broker never rebalance them
            "ANALYTICS_VIEWS_GROUP": f"analytics-views-{uid}",
            "ANALYTICS_EVENTS_GROUP": f"analytics-events-{uid}",
            "COMMENTS_CONSUMER_GROUP": f"comments-articles-{uid}",
            "ARTICLES_CONSUMER_GROUP": f"articles-{uid}",
            # a reload by the same reader counts again after a second (tests watch counts rise)
            "ANALYTICS_DEDUP_WINDOW_SECONDS": "1",
            "ANALYTICS_BOT_READS_PER_MINUTE": "100000",
            # every test reader comes from 127.0.0.1: no per-address visitor limit here
            # (tests/e2e/test_read_inflation.py counts with the default rules)
            "ANALYTICS_ADDRESS_NEW_VISITORS": "100000",
            "ANALYTICS_ADDRESS_NEW_ACCOUNTS": "100000",
            "ANALYTICS_ROLLUP_INTERVAL_SECONDS": "0",
            "COMMENTS_RATE_USER_PER_MINUTE": "1000",
            "COMMENTS_RATE_USER_PER_HOUR": "10000",
            "COMMENTS_RATE_CLIENT_PER_MINUTE": "1000",
            "COMMENTS_RATE_CLIENT_PER_HOUR": "10000",
            # the main gateway is generous; rate-limit tests start copies with tight limits
            "GATEWAY_RATE_READ_PER_MINUTE": "100000",
            "GATEWAY_RATE_WRITE_PER_MINUTE": "100000",
            "GATEWAY_RATE_COMMENT_PER_MINUTE": "100000",
            "GATEWAY_RATE_LOGIN_PER_MINUTE": "100000",
            "GATEWAY_LOGIN_FREE_FAILURES": "3",
            "PYTHONUNBUFFERED": "1",
            "GATEWAY_VIEW_JOURNAL_DIR": str(Path(tempfile.gettempdir()) / f"newsroom-views-{uid}"),
        }
    )
    return env


SERVICE_PREFIXES = ("ARTICLES_", "COMMENTS_", "ANALYTICS_", "GATEWAY_", "NEWSROOM_")


def start_platform(extra_env: dict[str, str] | None = None) -> Platform:
    """Migrate, create topics, start every process, wait until all are ready.

    ``extra_env`` is added to every process's environment (e.g. where to send traces).
    """
    uid = uuid.uuid4().hex[:8]
    logs = Path(tempfile.mkdtemp(prefix=f"newsroom-stack-{uid}-"))
    platform = Platform(uid=uid, base_env=base_environment(uid) | (extra_env or {}), logs=logs)
    ports = {service: free_port() for service in SERVICES}
    for service in SERVICES:
        platform.base_env[f"NEWSROOM_{service.upper()}_URL"] = f"http://127.0.0.1:{ports[service]}"
    try:
        _migrate(platform)
        asyncio.run(_create_topics(platform))
        for service in SERVICES:
            platform.add(service, service, service, port=ports[service])
        for name, module in CONSUMERS.items():
            platform.add(name, module, name.split("-")[0])
        subprocess.run(
            [sys.executable, "-m", "gateway.demo"],
            cwd=REPO,
            check=True,
            env=platform.service_env("gateway"),
            capture_output=True,
            timeout=120,
        )
        for process in platform.processes.values():
            process.start()
        for process in platform.processes.values():
            process.wait_ready()
    except BaseException:
        platform.close()
        raise
    return platform
