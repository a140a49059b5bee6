"""The platform on the replicated ``cluster`` instance: three Kafka nodes (.dev/cluster/).

``platform`` is overridden here, so the shared ``content`` fixture publishes its articles
on this platform. Topics are created with replication factor 3 and min.insync.replicas 2.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.stack import Platform, start_platform

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
    """Every service and consumer on the three-node cluster, fresh schemas and topics."""
    cluster_infra_up()
    saved = dict(os.environ)
    os.environ.update({**cluster_env(), **REPLICATED})
    try:
        running = start_platform()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    try:
        yield running
    finally:
        running.close()
