"""A local Redis Cluster of three primaries (Debian's redis-server in cluster mode).

Only instances that ask for it run one (the ``cluster`` instance, for tests); the nodes
listen on the instance's Redis port + 1, + 2 and + 3, beside its plain Redis.
"""

from __future__ import annotations

import shutil

from devtool import procs
from devtool.config import HOME, HOST, INSTANCE
from devtool.errors import DevError
from devtool.redis import ping

PRIMARIES = 3
START_TIMEOUT = 30.0


def ports() -> list[int]:
    """The port of every node (empty where the instance has no Redis Cluster)."""
    if not INSTANCE.redis_cluster:
        return []
    return [INSTANCE.redis_port + n for n in range(1, PRIMARIES + 1)]


def seed_nodes() -> str:
    """``host:port,...`` of the nodes, as clients are configured with them."""
    return ",".join(f"{HOST}:{port}" for port in ports())


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
        "--cluster-node-timeout", "2000", "--appendonly", "yes", "--daemonize", "no",
        "--logfile", "", "--lazyfree-lazy-expire", "yes",
        "--proc-title-template", f"{{title}} {{listen-addr}} {_dir(port)}",
    ]  # fmt: skip


def _cluster_state(port: int) -> str:
    out = procs.run(["redis-cli", "-h", HOST, "-p", str(port), "cluster", "info"],
                    what="redis-cli cluster info", timeout=10)  # fmt: skip
    return next((line.split(":", 1)[1].strip() for line in out.splitlines()
                 if line.startswith("cluster_state:")), "unknown")  # fmt: skip


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
    if _cluster_state(ports()[0]) != "ok":
        nodes = [f"{HOST}:{port}" for port in ports()]
        procs.say("redis-cluster", f"creating the cluster of {', '.join(nodes)}")
        procs.run(["redis-cli", "--cluster", "create", *nodes, "--cluster-replicas", "0",
                   "--cluster-yes"], what="redis-cli --cluster create", timeout=60)  # fmt: skip
    if not procs.poll(lambda: _cluster_state(ports()[0]) == "ok", timeout=START_TIMEOUT):
        raise DevError("the Redis Cluster did not reach cluster_state:ok")
    procs.say("redis-cluster", f"ready on {seed_nodes()}")


def down() -> None:
    """Stop the nodes dev.py started."""
    for port in reversed(ports()):
        if procs.stop(daemon(port)):
            procs.say(f"redis-cluster-{port}", "stopped")
