"""The shared Redis client and its users on a real Redis Cluster of three primaries.

The cluster is the ``cluster`` instance's (``dev.py`` starts Debian's redis-server in
cluster mode on six ports: three primaries, each with a replica); keys land on every
primary, so a command that spans slots would fail here the way it would in production.
The analytics tests on this cluster are in ``test_analytics_on_cluster.py`` and
``test_analytics_failover.py``.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster

from common.errors import TooManyRequestsError
from common.redis import create_redis
from gateway.domain.login_guard import LoginGuard, LoginPolicy
from gateway.ratelimit import Limit, LocalSyncedLimiter, RedisRateLimiter
from tests.cluster.conftest import cluster_env, cluster_infra_up

pytestmark = pytest.mark.cluster


@pytest.fixture(scope="module")
def seed_nodes() -> str:
    """``host:port,...`` of the local Redis Cluster."""
    cluster_infra_up()
    return cluster_env()["REDIS_CLUSTER_NODES"]


@pytest.fixture
async def redis(seed_nodes: str) -> AsyncIterator[Redis]:
    """A client made the way every service makes it, from the cluster's seed nodes."""
    first = seed_nodes.split(",")[0]
    client = create_redis(f"redis://{first}/0", cluster_nodes=seed_nodes)
    yield client
    await client.aclose()


async def test_the_client_is_cluster_aware_and_reaches_every_primary(redis: Redis) -> None:
    assert isinstance(redis, RedisCluster)
    prefix = f"t{uuid.uuid4().hex[:8]}"
    keys = [f"{prefix}:k{n}" for n in range(60)]
    for n, key in enumerate(keys):
        await redis.set(key, n, ex=60)
    owners = {redis.get_node_from_key(key).name for key in keys}  # type: ignore[attr-defined]
    assert len(owners) == 3, "60 keys spread over all three primaries"
    assert [int(await redis.get(key)) for key in keys] == list(range(60))
    assert await redis.delete(*keys) == 60  # a multi-key DEL split by slot


async def test_rate_limits_count_on_the_cluster(redis: Redis) -> None:
    limiter = RedisRateLimiter(redis, prefix=f"t{uuid.uuid4().hex[:8]}")
    limit = Limit("comment", requests=3)
    for _ in range(3):
        await limiter.hit(limit, "203.0.113.9")
    with pytest.raises(TooManyRequestsError):
        await limiter.hit(limit, "203.0.113.9")
    await limiter.hit(limit, "203.0.113.10")  # another client has its own counter


async def test_every_primary_has_a_replica_to_fail_over_to(redis: Redis) -> None:
    await redis.initialize()  # type: ignore[attr-defined]
    primaries = redis.get_primaries()  # type: ignore[attr-defined]
    assert len(primaries) == 3
    assert len(redis.get_replicas()) == 3  # type: ignore[attr-defined]
    for primary in primaries:
        me = await redis.execute_command("CLUSTER", "MYID", target_nodes=primary)  # type: ignore[call-arg]
        replicas = await redis.execute_command("CLUSTER", "REPLICAS", me, target_nodes=primary)  # type: ignore[call-arg]
        assert len(replicas) == 1, f"{primary.name}: {replicas!r}"


async def test_rate_limit_counters_of_many_clients_land_on_every_primary(redis: Redis) -> None:
    limiter = RedisRateLimiter(redis, prefix=f"t{uuid.uuid4().hex[:8]}")
    limit = Limit("read", requests=5)
    clients = [f"198.51.100.{n}" for n in range(30)]
    for n, client in enumerate(clients):
        for _ in range(n % 4 + 1):
            await limiter.hit(limit, client)
    owners = {redis.get_node_from_key(limiter.key(limit, c)).name for c in clients}  # type: ignore[attr-defined]
    assert len(owners) == 3
    counts = [int(await redis.get(limiter.key(limit, c))) for c in clients]
    assert counts == [n % 4 + 1 for n in range(len(clients))]


async def test_the_read_class_syncs_its_local_counts_through_the_cluster(redis: Redis) -> None:
    shared = RedisRateLimiter(redis, prefix=f"t{uuid.uuid4().hex[:8]}")
    limit = Limit("read", requests=10, window=3600)
    copy_a = LocalSyncedLimiter(shared, limit)
    copy_b = LocalSyncedLimiter(shared, limit)  # another gateway copy
    now = time.time()
    for _ in range(6):
        assert copy_a.check("203.0.113.7", now) == 0
        assert copy_b.check("203.0.113.7", now) == 0
    await copy_a.sync(now)
    await copy_b.sync(now)  # 12 hits in the shared window: over the budget of 10
    assert copy_b.check("203.0.113.7", now) > 0
    assert copy_a.check("203.0.113.7", now) == 0  # it has only seen its own 6 (now 7)
    await copy_a.sync(now)  # 13
    assert copy_a.check("203.0.113.7", now) > 0
    assert int(await redis.get(shared.key(limit, "203.0.113.7", now))) == 13


async def test_login_delays_and_their_reset_work_on_the_cluster(redis: Redis) -> None:
    guard = LoginGuard(redis, f"t{uuid.uuid4().hex[:8]}", LoginPolicy(free_failures=2))
    for _ in range(3):
        await guard.failed("editor", "client-a")
    with pytest.raises(TooManyRequestsError):
        await guard.check("editor", "client-a")
    await guard.check("editor", "client-b")
    # forgetting deletes two keys in one command: they share the (account, client) slot
    await guard.succeeded("editor", "client-a")
    await guard.check("editor", "client-a")
