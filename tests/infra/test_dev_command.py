"""scripts/dev.py: reports what runs, starts nothing twice, stops only what it started."""

from __future__ import annotations

import ast
import os
import re
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from devtool import procs
from devtool.config import ENV_FILE, HOST, INSTANCE, INSTANCES, LOGS, dev_env
from devtool.errors import DevError

DevCommand = Callable[..., subprocess.CompletedProcess[str]]
REPO = Path(__file__).resolve().parents[2]
INFRA_ADDRESSES = {
    "kafka": f"{HOST}:{INSTANCE.kafka_port}",
    "redis": f"{HOST}:{INSTANCE.redis_port}",
    "postgres": f"{HOST}:{INSTANCE.postgres_port}",
}


def _status(dev_command: DevCommand) -> dict[str, list[str]]:
    result = dev_command("status")
    assert result.returncode == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines()[1:]]
    return {row[0]: row[1:] for row in rows}


def test_status_reports_the_running_infrastructure(
    running_infra: None, dev_command: DevCommand
) -> None:
    rows = _status(dev_command)
    for name, address in INFRA_ADDRESSES.items():
        state, pid, shown = rows[name]
        assert (state, shown) == ("running", address)
        assert pid.isdigit()


def test_infra_up_twice_starts_nothing_new(running_infra: None, dev_command: DevCommand) -> None:
    before = _status(dev_command)
    result = dev_command("infra-up")
    assert result.returncode == 0, result.stderr
    for name in INFRA_ADDRESSES:
        assert f"[{name}] already running" in result.stdout
    assert "started" not in result.stdout
    assert "creating topic" not in result.stdout
    after = _status(dev_command)
    assert {n: after[n][1] for n in INFRA_ADDRESSES} == {n: before[n][1] for n in INFRA_ADDRESSES}


def test_env_file_holds_the_development_environment(running_infra: None) -> None:
    lines = ENV_FILE.read_text().splitlines()
    assert dict(line.split("=", 1) for line in lines) == dev_env()
    assert dev_env()["NEWSROOM_KAFKA_BOOTSTRAP"] == INFRA_ADDRESSES["kafka"]


def test_tests_run_on_their_own_infrastructure_never_the_development_stack() -> None:
    dev, test = INSTANCES["dev"], INSTANCES["test"]
    assert INSTANCE == test, "`make test` runs pytest on the test instance"
    dev_ports = {dev.kafka_port, dev.kafka_controller_port, dev.redis_port, dev.postgres_port}
    test_ports = {test.kafka_port, test.kafka_controller_port, test.redis_port, test.postgres_port}
    assert not dev_ports & test_ports
    assert test.home != dev.home
    # what this very pytest process got from `make test`
    assert os.environ["NEWSROOM_KAFKA_BOOTSTRAP"] == f"{HOST}:{test.kafka_port}"
    assert f":{test.postgres_port}/" in os.environ["NEWSROOM_DATABASE_URL"]
    assert f":{test.redis_port}/" in os.environ["NEWSROOM_REDIS_URL"]
    # the running stack's view journal and service addresses are not handed to tests
    assert "GATEWAY_VIEW_JOURNAL_DIR" not in dev_env()
    assert "NEWSROOM_GATEWAY_URL" not in dev_env()


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Pid files and logs of a throwaway daemon go to a temporary directory."""
    monkeypatch.setattr(procs, "RUN", tmp_path / "run")
    monkeypatch.setattr(procs, "LOGS", tmp_path / "logs")
    return tmp_path


@pytest.fixture
def sleeper(sandbox: Path) -> Iterator[procs.Daemon]:
    marker = f"sleeper-{sandbox.name}"
    daemon = procs.Daemon("sleeper", None, marker=marker, stop_timeout=10)
    yield daemon
    procs.stop(daemon)


def test_down_stops_what_it_started(sleeper: procs.Daemon) -> None:
    argv = [sys.executable, "-c", "import time; time.sleep(300)", sleeper.marker]
    pid = procs.spawn(sleeper, argv)
    assert procs.running_pid(sleeper) == pid
    assert procs.stop(sleeper) is True
    assert procs.running_pid(sleeper) is None
    assert not sleeper.pid_file.exists()


def test_down_leaves_a_process_it_did_not_start_alone(sleeper: procs.Daemon) -> None:
    foreign = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
    try:
        sleeper.pid_file.parent.mkdir(parents=True)
        sleeper.pid_file.write_text(f"{foreign.pid}\n")  # a stale pid file, reused pid
        assert procs.running_pid(sleeper) is None
        assert procs.stop(sleeper) is False
        assert foreign.poll() is None
    finally:
        foreign.kill()
        foreign.wait()


def test_a_port_held_by_another_process_is_reported_with_its_owner(sandbox: Path) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        with pytest.raises(
            DevError, match=rf"port 127\.0\.0\.1:{port} is already taken by pid \d+"
        ):
            procs.ensure_port_free(procs.Daemon("squatted", port, marker="-"))


def test_the_dev_command_needs_only_the_standard_library() -> None:
    allowed = set(sys.stdlib_module_names) | {"devtool", "__future__"}
    for path in [REPO / "scripts" / "dev.py", *(REPO / "scripts" / "devtool").glob("*.py")]:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                assert name.split(".")[0] in allowed, f"{path.name} imports {name}"


def test_the_pom_pins_slf4j_2_so_the_broker_log_is_written(running_infra: None) -> None:
    pom = (REPO / "infra" / "kafka" / "pom.xml").read_text()
    assert re.search(r"<slf4j\.version>2\.0\.\d+</slf4j\.version>", pom)
    assert (LOGS / "kafka.log").stat().st_size > 0
