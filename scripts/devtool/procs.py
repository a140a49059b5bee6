"""Background processes with pid files, ports and polling with deadlines."""

from __future__ import annotations

import fcntl
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from devtool.config import HOST, LOGS, REPO, RUN
from devtool.errors import DevError


@dataclass(frozen=True)
class Daemon:
    """A long-running process dev.py starts, recognised again by its pid file."""

    name: str
    port: int | None
    marker: str  # substring of the process command line: guards against reused pids
    stop_signal: signal.Signals = signal.SIGTERM
    stop_timeout: float = 30.0
    log_name: str = ""  # stdout/stderr go to .dev/logs/<log_name or name>.log
    own_log: Path | None = None  # a log file the program writes itself, if any

    @property
    def logs(self) -> tuple[Path, ...]:
        return (self.log_file,) if self.own_log is None else (self.log_file, self.own_log)

    @property
    def pid_file(self) -> Path:
        return RUN / f"{self.name}.pid"

    @property
    def log_file(self) -> Path:
        return LOGS / f"{self.log_name or self.name}.log"


def say(component: str, message: str) -> None:
    """One line of progress for the user."""
    print(f"[{component}] {message}", flush=True)


@contextmanager
def exclusive(lock_file: Path | None = None) -> Iterator[None]:
    """One dev.py at a time starts or stops this instance's things; others wait their turn."""
    lock_file = lock_file or RUN / "dev.lock"
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with lock_file.open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say("dev", "another dev.py is starting or stopping things; waiting for it")
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] not in {"Z", "X"}  # Z: exited, not reaped


def _cmdline(pid: int) -> str | None:
    """The command line of a live process; None once it has exited."""
    cmdline = ""
    # right after exec the kernel briefly reports an empty command line
    for _ in range(50):
        if not _alive(pid):
            return None
        try:
            cmdline = (
                Path(f"/proc/{pid}/cmdline")
                .read_bytes()
                .replace(b"\0", b" ")
                .decode(errors="replace")
            )
        except OSError:
            return None
        if cmdline:
            break
        time.sleep(0.02)
    return cmdline + " "


def running_pid(daemon: Daemon) -> int | None:
    """The pid of the daemon if its pid file names a live process that is still it."""
    try:
        pid = int(daemon.pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    cmdline = _cmdline(pid)
    if cmdline is None or daemon.marker not in cmdline:
        return None
    return pid


def port_open(port: int, host: str = HOST, timeout: float = 0.5) -> bool:
    """Whether something accepts TCP connections on the port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _listening_inodes(port: int) -> set[str]:
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    return inodes


def _open_files(proc: Path) -> set[str]:
    links: set[str] = set()
    try:
        fds = list((proc / "fd").iterdir())
    except OSError:  # gone, or not ours to look at
        return links
    for fd in fds:
        try:
            links.add(os.readlink(fd))
        except OSError:  # closed meanwhile
            continue
    return links


def port_owner(port: int) -> str:
    """A description of the process listening on the port, as far as /proc tells."""
    wanted = {f"socket:[{inode}]" for inode in _listening_inodes(port)}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit() and _open_files(proc) & wanted:
            return f"pid {proc.name}: {(_cmdline(int(proc.name)) or '?').strip()[:120]}"
    return "an unknown process"


def ensure_port_free(daemon: Daemon) -> None:
    """Fail with the culprit if a process dev.py did not start holds the daemon's port."""
    if daemon.port is not None and port_open(daemon.port):
        raise DevError(
            f"{daemon.name}: port {HOST}:{daemon.port} is already taken by "
            f"{port_owner(daemon.port)}. Stop that process, or run "
            f"`python3 scripts/dev.py down` if it is a leftover of this checkout."
        )


def spawn(
    daemon: Daemon,
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    user: str | None = None,
) -> int:
    """Start the daemon in its own session with output appended to its log."""
    RUN.mkdir(parents=True, exist_ok=True)
    LOGS.mkdir(parents=True, exist_ok=True)
    with daemon.log_file.open("ab") as log:
        proc = subprocess.Popen(
            argv,
            cwd=REPO,
            env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            user=user,
        )
    daemon.pid_file.write_text(f"{proc.pid}\n")
    _children[proc.pid] = proc
    return proc.pid


# Daemons started by this process, reaped when it stops them (others are reparented).
_children: dict[int, subprocess.Popen[bytes]] = {}


def _reap(pid: int) -> None:
    child = _children.pop(pid, None)
    if child is not None:
        child.wait()


def _signal(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        pass
    except PermissionError:
        os.kill(pid, sig)


def stop(daemon: Daemon) -> bool:
    """Stop the daemon if dev.py started it: signal, wait, then SIGKILL. True if it ran."""
    pid = running_pid(daemon)
    if pid is None:
        daemon.pid_file.unlink(missing_ok=True)
        return False
    _signal(pid, daemon.stop_signal)
    if not poll(lambda: not _alive(pid), timeout=daemon.stop_timeout):
        say(daemon.name, f"did not stop within {daemon.stop_timeout:.0f}s; killing it")
        _signal(pid, signal.SIGKILL)
        poll(lambda: not _alive(pid), timeout=10)
    _reap(pid)
    daemon.pid_file.unlink(missing_ok=True)
    return True


def poll(check: Callable[[], bool], *, timeout: float, interval: float = 0.2) -> bool:
    """Call ``check`` until it returns True or the deadline passes."""
    deadline = time.monotonic() + timeout
    while True:
        if check():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def log_tail(path: Path, lines: int = 25) -> str:
    """The last lines of a log file, for error messages."""
    try:
        text = path.read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return "(no log)"
    return "\n".join(f"    {line}" for line in text)


def _tails(daemon: Daemon) -> str:
    return "\n".join(f"  last lines of {log}:\n{log_tail(log)}" for log in daemon.logs)


def wait_ready(daemon: Daemon, ready: Callable[[], bool], *, timeout: float) -> None:
    """Poll a real health check until it passes; fail fast if the process died."""

    def check() -> bool:
        if running_pid(daemon) is None:
            raise DevError(f"{daemon.name} exited during start-up\n{_tails(daemon)}")
        return ready()

    if not poll(check, timeout=timeout, interval=0.3):
        late = f"{daemon.name} did not become ready within {timeout:.0f}s"
        raise DevError(f"{late}\n{_tails(daemon)}")


def run(
    argv: Sequence[str],
    *,
    what: str,
    env: Mapping[str, str] | None = None,
    capture: bool = True,
    timeout: float | None = None,
    user: str | None = None,
) -> str:
    """Run a command to completion and return its stdout; a failure names ``what``."""
    try:
        result = subprocess.run(
            argv,
            cwd=REPO,
            env=dict(env) if env is not None else None,
            capture_output=capture,
            text=True,
            timeout=timeout,
            user=user,
            check=False,
        )
    except FileNotFoundError as exc:
        raise DevError(f"{what}: {argv[0]} is not installed ({exc})") from exc
    except subprocess.TimeoutExpired as exc:
        raise DevError(f"{what} did not finish within {timeout:.0f}s") from exc
    if result.returncode != 0:
        output = "\n".join(part for part in (result.stdout, result.stderr) if part)
        raise DevError(f"{what} failed (exit {result.returncode}):\n{output.strip()}")
    return result.stdout or ""
