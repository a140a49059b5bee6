"""The platform on the replicated ``cluster`` instance (.dev/cluster/): three Kafka nodes and
a Redis Cluster of three primaries with a replica each; every service uses the cluster.

``platform`` is overridden here, so the shared ``content`` fixture publishes its articles
on this platform. Topics are created with replication factor 3 and min.insync.replicas 2.
``gateway_copies`` and ``limited_gateway_copies`` put two gateway copies behind HAProxy.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.cluster.balancer import Balancer, port_of, start_gateway_copy
from tests.stack import Platform, Process, start_platform

REPO = Path(__file__).resolve().parents[2]
CLUSTER = {"NEWSROOM_DEV_INSTANCE": "cluster"}  # scripts/devtool/config.py INSTANCES
CLUSTER_HOME = REPO / ".dev" / "cluster"
REPLICATED = {"NEWSROOM_TOPIC_REPLICATION_FACTOR": "3", "NEWSROOM_TOPIC_MIN_INSYNC_REPLICAS": "2"}


def cluster_infra_up() -> None:
    """Start whatever of the cluster instance is not running (and wait until it serves)."""
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "dev.py"), "infra-up"],
        check=False,
        timeout=400,
        cwd=REPO,
        env={**os.environ, **CLUSTER},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, f"cluster infra-up failed:\n{done.stdout[-3000:]}{done.stderr}"


def cluster_env() -> dict[str, str]:
    """The cluster instance's addresses, as ``dev.py`` wrote them."""
    lines = (CLUSTER_HOME / "env").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line)


@pytest.fixture(scope="session")
def platform() -> Iterator[Platform]:
    """Every service and consumer on the three Kafka nodes and the Redis Cluster, fresh
    schemas, topics and key prefixes."""
    cluster_infra_up()
    saved = dict(os.environ)
    env = cluster_env()
    os.environ.update({**env, **REPLICATED})
    os.environ["NEWSROOM_REDIS_CLUSTER_NODES"] = env["REDIS_CLUSTER_NODES"]
    try:
        running = start_platform()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    try:
        yield running
    finally:
        running.close()


@dataclass(frozen=True)
class GatewayCopies:
    """Gateway copies (by their name in HAProxy and on the platform) behind one HAProxy."""

    balancer: Balancer
    copies: dict[str, Process]

    def url(self, name: str) -> str:
        """A copy's own address, past the balancer."""
        url = self.copies[name].url
        assert url is not None
        return url


def _behind_haproxy(platform: Platform, copies: dict[str, Process]) -> Iterator[GatewayCopies]:
    balancer = Balancer({name: port_of(process) for name, process in copies.items()})
    try:
        balancer.start()
        yield GatewayCopies(balancer, copies)
    finally:
        balancer.stop()
        for name in copies:
            if name != "gateway":  # the platform's own copy outlives the module
                platform.stop(name)


@pytest.fixture(scope="module")
def gateway_copies(platform: Platform) -> Iterator[GatewayCopies]:
    """The platform's gateway and a second copy (own port, own view journal) behind HAProxy."""
    second = start_gateway_copy(platform, "gateway-2")
    yield from _behind_haproxy(
        platform, {"gateway": platform.processes["gateway"], "gateway-2": second}
    )


@pytest.fixture(scope="module")
def limited_gateway_copies(platform: Platform) -> Iterator[GatewayCopies]:
    """Two more copies with tight rate limits in a fresh Redis namespace, behind HAProxy."""
    tight = {
        "GATEWAY_REDIS_PREFIX": f"t{platform.uid}:limits",
        "GATEWAY_RATE_COMMENT_PER_MINUTE": "4",
        "GATEWAY_RATE_LOGIN_PER_MINUTE": "6",
        "GATEWAY_RATE_READ_PER_MINUTE": "40",
    }
    copies: dict[str, Process] = {}
    try:
        for name in ("gateway-limits-1", "gateway-limits-2"):
            copies[name] = start_gateway_copy(platform, name, **tight)
    except BaseException:
        for name in copies:
            platform.stop(name)
        raise
    yield from _behind_haproxy(platform, copies)
