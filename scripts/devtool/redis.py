"""Redis with append-only persistence in its own directory under the instance's home."""

from __future__ import annotations

import shutil
import socket

from devtool import procs
from devtool.config import HOME, HOST, REDIS_PORT
from devtool.errors import DevError

DATA_DIR = HOME / "redis"
# Redis rewrites its process title; the template keeps the data dir in it so the pid
# file check recognises the process both before and after the rewrite.
DAEMON = procs.Daemon("redis", REDIS_PORT, marker=str(DATA_DIR))
START_TIMEOUT = 30.0


def ping(port: int = REDIS_PORT, timeout: float = 1.0) -> bool:
    """Whether Redis answers PING with PONG."""
    try:
        with socket.create_connection((HOST, port), timeout=timeout) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def _argv() -> list[str]:
    server = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not shutil.which(server):
        raise DevError("redis-server not found: run `python3 scripts/dev.py bootstrap`")
    return [
        server, "--bind", HOST, "--port", str(REDIS_PORT), "--dir", str(DATA_DIR),
        "--appendonly", "yes", "--daemonize", "no", "--logfile", "",
        # a dedup window's hash is large: free expired keys off the main thread
        "--lazyfree-lazy-expire", "yes",
        "--protected-mode", "yes", "--save", "3600 1 300 100 60 10000",
        "--proc-title-template", f"{{title}} {{listen-addr}} {DATA_DIR}",
    ]  # fmt: skip


def up() -> None:
    """Start Redis if needed and wait for PONG."""
    pid = procs.running_pid(DAEMON)
    if pid is None:
        procs.ensure_port_free(DAEMON)
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        pid = procs.spawn(DAEMON, _argv())
        procs.say("redis", f"started (pid {pid})")
    else:
        procs.say("redis", f"already running (pid {pid})")
    procs.wait_ready(DAEMON, ping, timeout=START_TIMEOUT)
    procs.say("redis", f"ready on {HOST}:{REDIS_PORT}")


def down() -> None:
    """Stop Redis if dev.py started it (it writes its files on SIGTERM)."""
    if procs.stop(DAEMON):
        procs.say("redis", "stopped")
