"""Fixtures for the infrastructure tests: the dev tooling and the running local stack."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))  # the stdlib-only dev tooling is not a package

from devtool import kafka, postgres, redis  # noqa: E402 - needs the path above

KafkaTool = Callable[..., str]


@pytest.fixture(scope="session")
def running_infra() -> None:
    """Kafka, Redis and PostgreSQL as `scripts/dev.py infra-up` starts them."""
    checks: dict[str, Callable[[], bool]] = {
        "kafka": lambda: kafka.api_keys() is not None,
        "redis": redis.ping,
        "postgres": postgres.accepting_connections,
    }
    missing = [name for name, ready in checks.items() if not ready()]
    if missing:
        pytest.fail(f"not running: {', '.join(missing)}; run `python3 scripts/dev.py infra-up`")


@pytest.fixture(scope="session")
def kafka_tool(running_infra: None) -> KafkaTool:
    """Run one of Kafka's official command-line tools against the local broker."""

    def run(main_class: str, *args: str) -> str:
        argv = kafka.tool_argv(main_class, *args)
        result = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
        assert result.returncode == 0, f"{main_class} failed:\n{result.stdout}\n{result.stderr}"
        return result.stdout

    return run


DevCommand = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="session")
def dev_command() -> DevCommand:
    """Run `scripts/dev.py` the way a developer does."""

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        argv = [sys.executable, str(REPO / "scripts" / "dev.py"), *args]
        return subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)

    return run
