"""PostgreSQL 15 with its own data directory under the instance's home, run unprivileged."""

from __future__ import annotations

import hashlib
import os
import pwd
import signal
import subprocess
from pathlib import Path

from devtool import procs
from devtool.config import (
    DB_NAME,
    DB_PASSWORD,
    DB_USER,
    DEV,
    HOME,
    HOST,
    INSTANCE,
    POSTGRES_PORT,
    REPO,
)
from devtool.errors import DevError

ROOT = HOME / "postgres"
# Used (through the .dev/postgres symlink) when the server user cannot reach the
# checkout, e.g. a clone under /root, which is closed to other users.
FALLBACK_BASE = Path("/var/lib/newsroom-dev")
BIN_DIRS = (Path("/usr/lib/postgresql/15/bin"),)
# SIGINT is PostgreSQL's "fast" shutdown; SIGTERM would wait for every client to leave.
DAEMON = procs.Daemon(
    "postgres",
    POSTGRES_PORT,
    marker=f"-c port={POSTGRES_PORT} ",
    stop_signal=signal.SIGINT,
    stop_timeout=60,
)
START_TIMEOUT = 60.0


def data_dir() -> Path:
    """The cluster's data directory (symlinks resolved: the server user may not pass them)."""
    return ROOT.resolve() / "data"


def socket_dir() -> Path:
    """Where the server puts its Unix socket."""
    return ROOT.resolve() / "run"


def binary(name: str) -> str:
    """The path of a PostgreSQL server program."""
    for directory in BIN_DIRS:
        if (directory / name).exists():
            return str(directory / name)
    raise DevError(f"PostgreSQL 15 `{name}` not found: run `python3 scripts/dev.py bootstrap`")


def run_as() -> str | None:
    """The OS user the server runs as: PostgreSQL refuses to run as root."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        message = "as root, PostgreSQL needs the `postgres` OS user: apt-get install postgresql"
        raise DevError(message) from None
    return "postgres"


def _reachable_by(user: str, path: Path) -> bool:
    probe = subprocess.run(["test", "-x", str(path)], user=user, check=False)
    return probe.returncode == 0


def _place_root(user: str | None) -> None:
    """Create .dev/postgres, or link it to a directory the server user can reach."""
    HOME.mkdir(parents=True, exist_ok=True)
    if ROOT.exists() or ROOT.is_symlink():
        return
    if user is None or _reachable_by(user, HOME):
        ROOT.mkdir()
        return
    checkout = str(REPO) if INSTANCE.name == "dev" else f"{REPO}:{INSTANCE.name}"
    target = FALLBACK_BASE / hashlib.sha256(checkout.encode()).hexdigest()[:12] / "postgres"
    procs.say("postgres", f"{user} cannot reach {DEV}; keeping the cluster in {target}")
    target.mkdir(parents=True, exist_ok=True)
    for directory in (FALLBACK_BASE, target.parent, target):
        directory.chmod(0o755)
    ROOT.symlink_to(target, target_is_directory=True)


def _own_dirs(user: str | None) -> None:
    _place_root(user)
    for directory in (DEV, HOME, ROOT.resolve()):
        directory.chmod(0o755)  # the server user must be able to reach its directories
    for directory in (data_dir(), socket_dir()):
        directory.mkdir(exist_ok=True)
        directory.chmod(0o700)
        if user is not None:
            entry = pwd.getpwnam(user)
            os.chown(directory, entry.pw_uid, entry.pw_gid)


def init_cluster(user: str | None) -> None:
    """Create the data directory once, with a password-protected superuser ``newsroom``."""
    if (data_dir() / "PG_VERSION").exists():
        return
    _own_dirs(user)
    procs.say("postgres", f"initdb {data_dir()}")
    pwfile = socket_dir() / "initdb.pw"
    pwfile.write_text(DB_PASSWORD + "\n")
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(pwfile, entry.pw_uid, entry.pw_gid)
    try:
        procs.run(
            [binary("initdb"), "-D", str(data_dir()), "-U", DB_USER, f"--pwfile={pwfile}",
             "--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8", "--locale=C.UTF-8"],
            what="initdb", user=user,
        )  # fmt: skip
    finally:
        pwfile.unlink(missing_ok=True)


def _argv() -> list[str]:
    settings = {
        "port": str(POSTGRES_PORT),  # first: the pid-file marker looks for it
        "listen_addresses": HOST,
        "unix_socket_directories": str(socket_dir()),
        "max_connections": "300",
    }
    options = [arg for key, value in settings.items() for arg in ("-c", f"{key}={value}")]
    return [binary("postgres"), "-D", str(data_dir()), *options]


def _client_env() -> dict[str, str]:
    return {**os.environ, "PGPASSWORD": DB_PASSWORD, "PGCONNECT_TIMEOUT": "3"}


def accepting_connections() -> bool:
    """pg_isready over TCP: the server speaks the protocol and accepts connections."""
    argv = [binary("pg_isready"), "-q", "-h", HOST, "-p", str(POSTGRES_PORT), "-d", "postgres"]
    try:
        procs.run(argv, what="pg_isready", env=_client_env(), timeout=10)
    except DevError:
        return False
    return True


def _psql(sql: str, database: str = "postgres") -> str:
    argv = [binary("psql"), "-h", HOST, "-p", str(POSTGRES_PORT), "-U", DB_USER,
            "-d", database, "-tAX", "-v", "ON_ERROR_STOP=1", "-c", sql]  # fmt: skip
    return procs.run(argv, what="psql", env=_client_env(), timeout=30).strip()


def ensure_database() -> None:
    """Create the ``newsroom`` database if it does not exist yet."""
    if _psql(f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'") == "1":  # noqa: S608 - constant
        return
    procs.say("postgres", f"creating database {DB_NAME}")
    _psql(f'CREATE DATABASE "{DB_NAME}" OWNER "{DB_USER}" ENCODING \'UTF8\'')


def up() -> None:
    """Start PostgreSQL if needed, wait until it accepts connections, create the database."""
    pid = procs.running_pid(DAEMON)
    if pid is None:
        procs.ensure_port_free(DAEMON)
        user = run_as()
        init_cluster(user)
        _own_dirs(user)
        pid = procs.spawn(DAEMON, _argv(), user=user)
        procs.say("postgres", f"started (pid {pid})")
    else:
        procs.say("postgres", f"already running (pid {pid})")
    procs.wait_ready(DAEMON, accepting_connections, timeout=START_TIMEOUT)
    ensure_database()
    procs.say("postgres", f"ready on {HOST}:{POSTGRES_PORT} (database {DB_NAME}, user {DB_USER})")


def down() -> None:
    """Stop PostgreSQL if dev.py started it (fast shutdown)."""
    if procs.stop(DAEMON):
        procs.say("postgres", "stopped")
