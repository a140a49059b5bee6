"""Killing and restarting the test instance's broker and Redis (never the ``make up`` stack)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TEST_INSTANCE = {"NEWSROOM_DEV_INSTANCE": "test"}  # scripts/devtool/config.py INSTANCES
RUN_DIR = REPO / ".dev" / "test" / "run"  # pid files of the test instance's infrastructure


def kill_dev_component(name: str) -> None:
    """SIGKILL the test instance's ``kafka`` or ``redis`` and wait until it is gone."""
    pid_file = RUN_DIR / f"{name}.pid"
    assert pid_file.exists(), (
        f"{name} of the test instance is not running; run the tests with `make test`"
    )
    kill_from_pid_file(pid_file)


def kill_from_pid_file(pid_file: Path) -> None:
    """SIGKILL the process a dev.py pid file names and wait until it is gone."""
    pid = int(pid_file.read_text().split()[0])
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if not _running(pid):
            return
        time.sleep(0.05)
    raise AssertionError(f"{pid_file.stem} (pid {pid}) did not die")


def _running(pid: int) -> bool:
    """Whether the process still runs: an exited one nobody has reaped yet (a zombie,
    as under a CI runner whose first process does not reap orphans) does not."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] not in {"Z", "X"}


def restart_dev_infra() -> None:
    """Start whatever of the test instance's infrastructure is not running."""
    subprocess.run(
        [sys.executable, str(REPO / "scripts" / "dev.py"), "infra-up"],
        check=True,
        timeout=240,
        cwd=REPO,
        env={**os.environ, **TEST_INSTANCE},
    )
