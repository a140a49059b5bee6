"""A local Redis Cluster of three primaries, each with a replica (Debian's redis-server).

Only instances that ask for it run one (the ``cluster`` instance, for tests); the six
nodes listen on the instance's Redis port + 1 to + 6, beside its plain Redis. The
replicas make failovers testable (``CLUSTER FAILOVER`` on a replica, or a killed primary
whose replica is promoted). A cluster created earlier with three primaries only gets
the missing nodes added as replicas; after a failover the roles stay as they are. The
nodes' cluster bus listens on port + 100 (see :func:`bus_port`); a cluster created before
that remembers the old bus ports: remove ``.dev/cluster/redis-cluster`` to create it anew.
"""

from __future__ import annotations

import shutil

from devtool import procs
from devtool.config import HOME, HOST, INSTANCE
from devtool.errors import DevError
from devtool.redis import ping

PRIMARIES = 3
REPLICAS = 1  # per primary
NODES = PRIMARIES * (1 + REPLICAS)
START_TIMEOUT = 30.0


def ports() -> list[int]:
    """The port of every node (empty where the instance has no Redis Cluster)."""
    if not INSTANCE.redis_cluster:
        return []
    return [INSTANCE.redis_port + n for n in range(1, NODES + 1)]


def seed_nodes() -> str:
    """``host:port,...`` of the nodes, as clients are configured with them."""
    return ",".join(f"{HOST}:{port}" for port in ports())


def bus_port(port: int) -> int:
    """A node's cluster bus port: its port + 100, not Redis's default + 10000, which would
    put the bus inside the ephemeral port range (32768+), where any outgoing connection
    can hold the port a starting node needs."""
    return port + 100


def _dir(port: int) -> str:
    return str(HOME / "redis-cluster" / str(port))


def daemon(port: int) -> procs.Daemon:
    """The pid-file handle of one node (its data dir is in its process title)."""
    return procs.Daemon(f"redis-cluster-{port}", port, marker=_dir(port))


def _argv(port: int) -> list[str]:
    server = shutil.which("redis-server") or "/usr/bin/redis-server"
    return [
        server, "--bind", HOST, "--port", str(port), "--dir", _dir(port),
        "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
        "--cluster-port", str(bus_port(port)),
        "--cluster-node-timeout", "2000", "--appendonly", "yes", "--daemonize", "no",
        "--logfile", "", "--lazyfree-lazy-expire", "yes",
        "--proc-title-template", f"{{title}} {{listen-addr}} {_dir(port)}",
    ]  # fmt: skip


def _cli(port: int, *args: str, what: str) -> str:
    return procs.run(["redis-cli", "-h", HOST, "-p", str(port), *args], what=what, timeout=10)


def _cluster_info(port: int) -> dict[str, str]:
    out = _cli(port, "cluster", "info", what="redis-cli cluster info")
    return dict(line.strip().split(":", 1) for line in out.splitlines() if ":" in line)


def _cluster_state(port: int) -> str:
    return _cluster_info(port).get("cluster_state", "unknown")


def _members(port: int) -> set[int]:
    """Ports of the nodes the cluster of ``port`` knows (failed ones included)."""
    out = _cli(port, "cluster", "nodes", what="redis-cli cluster nodes")
    return {int(line.split()[1].split("@")[0].rsplit(":", 1)[1]) for line in out.splitlines()}


def _replicated() -> bool:
    """Whether every primary serving slots has a replica (cluster bus links up)."""
    out = _cli(ports()[0], "cluster", "nodes", what="redis-cli cluster nodes")
    rows = [line.split() for line in out.splitlines()]
    up = [r for r in rows if "fail" not in r[2] and r[7] == "connected"]  # flags, link state
    serving = {r[0] for r in up if "master" in r[2] and len(r) > 8}  # with slots
    followed = {r[3] for r in up if "slave" in r[2]}  # their primaries' ids
    return bool(serving) and serving <= followed


def _create_or_complete() -> None:
    """Create the cluster from empty nodes, or add nodes it lacks as replicas."""
    first = ports()[0]
    info = _cluster_info(first)
    if info.get("cluster_known_nodes") == "1" and info.get("cluster_slots_assigned") == "0":
        nodes = [f"{HOST}:{port}" for port in ports()]
        procs.say("redis-cluster", f"creating the cluster of {', '.join(nodes)}")
        procs.run(["redis-cli", "--cluster", "create", *nodes, "--cluster-replicas",
                   str(REPLICAS), "--cluster-yes"],
                  what="redis-cli --cluster create", timeout=60)  # fmt: skip
        return
    for port in sorted(set(ports()) - _members(first)):
        procs.say("redis-cluster", f"adding {HOST}:{port} as a replica")
        procs.run(["redis-cli", "--cluster", "add-node", f"{HOST}:{port}", f"{HOST}:{first}",
                   "--cluster-slave"], what="redis-cli --cluster add-node", timeout=60)  # fmt: skip


def up() -> None:
    """Start the nodes that are not running; join them into one cluster the first time."""
    if not ports():
        return
    for port in ports():
        handle = daemon(port)
        if procs.running_pid(handle) is None:
            procs.ensure_port_free(handle)
            (HOME / "redis-cluster" / str(port)).mkdir(parents=True, exist_ok=True)
            procs.spawn(handle, _argv(port))
        procs.wait_ready(handle, lambda p=port: ping(p), timeout=START_TIMEOUT)
    _create_or_complete()
    if not procs.poll(lambda: _cluster_state(ports()[0]) == "ok", timeout=START_TIMEOUT):
        raise DevError("the Redis Cluster did not reach cluster_state:ok")
    if not procs.poll(_replicated, timeout=START_TIMEOUT):
        raise DevError("a Redis Cluster primary has no replica")
    roles = f"{PRIMARIES} primaries, {REPLICAS} replica each"
    procs.say("redis-cluster", f"ready on {seed_nodes()} ({roles})")


def down() -> None:
    """Stop the nodes dev.py started."""
    for port in reversed(ports()):
        if procs.stop(daemon(port)):
            procs.say(f"redis-cluster-{port}", "stopped")
