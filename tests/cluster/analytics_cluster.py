"""The analytics integration tests' environments, with the live state on the Redis Cluster.

Kafka and Postgres stay the test instance's (``make test``); only Redis is the ``cluster``
instance's Redis Cluster. The integration test modules are loaded from the service's
tests, so the same test functions run here against the cluster fixtures below.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from analytics.settings import Settings
from tests.cluster.conftest import cluster_env, cluster_infra_up

INTEGRATION = Path(__file__).resolve().parents[2] / "services/analytics/tests/integration"
if str(INTEGRATION) not in sys.path:
    sys.path.insert(0, str(INTEGRATION))  # their helpers import as `analytics_testing`

import analytics_testing as testing  # noqa: E402 - found through the path above

__all__ = ["drop_env", "fresh_cluster_settings", "load", "reused", "testing"]


def load(name: str) -> ModuleType:
    """One module of the analytics integration tests, under a name of its own here (their
    shared helpers stay one module, ``testing``: its id counters must not start twice)."""
    qualified = f"analytics_on_cluster_{name}"
    if qualified in sys.modules:
        return sys.modules[qualified]
    spec = importlib.util.spec_from_file_location(qualified, INTEGRATION / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[qualified] = module
    spec.loader.exec_module(module)
    return module


def reused(module: ModuleType, *fixtures: str) -> dict[str, Any]:
    """A loaded module's test functions and the named module fixtures they need, to be
    collected again in the module whose globals they are put in."""
    names = vars(module)
    return {n: v for n, v in names.items() if n.startswith("test_") or n in fixtures}


def cluster_redis() -> dict[str, str]:
    """Settings that point the analytics service at the Redis Cluster (started if needed)."""
    cluster_infra_up()
    seeds = cluster_env()["REDIS_CLUSTER_NODES"]
    return {"redis_url": f"redis://{seeds.split(',')[0]}/0", "redis_cluster_nodes": seeds}


_conftest = load("conftest")


def fresh_cluster_settings(**overrides: object) -> Settings:
    """A new isolated environment whose live state is on the Redis Cluster."""
    settings: Settings = _conftest.fresh_settings(**(cluster_redis() | overrides))
    return settings


async def drop_env(settings: Settings) -> None:
    """Drop an environment's schema and its keys on the cluster."""
    await _conftest.drop_env(settings)
