"""The gateway's rate-limit and login-guard tests again, with Redis the local Redis Cluster.

The test functions are the project's own: the e2e rate-limit tests (two gateway copies
sharing comment, login and read limits) run on this directory's platform, whose every
service uses the cluster; the login guard's integration tests get a guard whose client
follows the cluster's slot map.
"""

from __future__ import annotations

import importlib.util
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from common.redis import create_redis
from gateway.domain.login_guard import LoginGuard, LoginPolicy
from tests.cluster.conftest import cluster_env, cluster_infra_up
from tests.e2e import test_rate_limits

pytestmark = pytest.mark.cluster
LOGIN_GUARD_TESTS = (
    Path(__file__).resolve().parents[2] / "services/gateway/tests/integration/test_login_guard.py"
)


def _login_guard_tests() -> dict[str, object]:
    spec = importlib.util.spec_from_file_location("login_guard_on_cluster", LOGIN_GUARD_TESTS)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {n: v for n, v in vars(module).items() if n.startswith("test_")}


globals().update(
    {n: v for n, v in vars(test_rate_limits).items() if n.startswith("test_")}
    | {"two_gateways": test_rate_limits.two_gateways}
)
globals().update(_login_guard_tests())


@pytest.fixture
async def guard() -> AsyncIterator[LoginGuard]:
    """A guard with the default policy under a prefix of its own, on the cluster."""
    cluster_infra_up()
    seeds = cluster_env()["REDIS_CLUSTER_NODES"]
    redis = create_redis(f"redis://{seeds.split(',')[0]}/0", cluster_nodes=seeds)
    prefix = f"guard-test-{uuid.uuid4().hex[:8]}"
    yield LoginGuard(redis=redis, prefix=prefix, policy=LoginPolicy())
    keys = [k async for k in redis.scan_iter(match=f"*{prefix}*", count=1000)]
    if keys:
        await redis.delete(*keys)
    await redis.aclose()
