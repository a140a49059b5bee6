"""The Redis client every process uses: explicit timeouts, and a reconnect after a restart.

With cluster nodes configured (``NEWSROOM_REDIS_CLUSTER_NODES=host:port,...``) the client
is a Redis Cluster client: it learns the slot map from any seed node, sends each command
to the primary owning its key and follows MOVED/ASK after a failover or resharding. Keys
that one script, transaction or multi-key command touches must share a hash slot: give
them one hash tag (``{...}``) in their names.
"""

from __future__ import annotations

from typing import cast

from redis.asyncio import Redis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError


def cluster_seed_nodes(nodes: str) -> list[ClusterNode]:
    """``host:port,host:port`` as cluster seed nodes (empty entries ignored)."""
    seeds = []
    for entry in filter(None, (part.strip() for part in nodes.split(","))):
        host, _, port = entry.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"redis cluster node {entry!r} is not host:port")
        seeds.append(ClusterNode(host, int(port)))
    return seeds


def create_redis(
    url: str,
    *,
    cluster_nodes: str = "",
    socket_timeout: float = 2.0,
    connect_timeout: float = 1.0,
    max_connections: int | None = None,
) -> Redis:
    """A pooled client; create one per process in ``lifespan``.

    A pooled connection that Redis closed (a restart) fails with a connection error; the
    command is retried a few times on a fresh connection with backoff. Timeouts are not
    retried: the command may have run, and not every command is idempotent.
    With ``cluster_nodes``, the URL still gives the credentials and options.
    """
    if cluster_nodes:
        cluster = RedisCluster.from_url(
            url,
            startup_nodes=cluster_seed_nodes(cluster_nodes),
            socket_timeout=socket_timeout,
            socket_connect_timeout=connect_timeout,
            max_connections=max_connections or 2**31,
            retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), retries=3),
            retry_on_error=[RedisConnectionError],
        )
        # the same command API for what the services use (commands, scripts, pipelines)
        return cast(Redis, cluster)
    return Redis.from_url(
        url,
        socket_timeout=socket_timeout,
        socket_connect_timeout=connect_timeout,
        max_connections=max_connections,
        retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), retries=3),
        retry_on_error=[RedisConnectionError],
        health_check_interval=15,
    )
