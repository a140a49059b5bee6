"""Subcommands of scripts/dev.py."""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Callable, Sequence
from functools import partial

from devtool import (
    bootstrap,
    kafka,
    observability,
    postgres,
    procs,
    redis,
    redis_cluster,
    services,
)
from devtool.config import (
    DB_NAME,
    DB_PASSWORD,
    DB_USER,
    ENV_FILE,
    HOST,
    INSTANCE,
    POSTGRES_PORT,
    REDIS_PORT,
    REPO,
    SERVICE_PORTS,
    process_env,
    write_env_file,
)
from devtool.errors import DevError

INFRA = (postgres, redis, redis_cluster, kafka)  # start order; stopped in reverse


def setup() -> None:
    """Install what this machine lacks, resolve Kafka, sync Python, build helm."""
    bootstrap.bootstrap()
    bootstrap.ensure_helm()


def infra_up() -> None:
    """Start Kafka, Redis and PostgreSQL (each only if it is not running yet)."""
    bootstrap.prepare_infra()
    write_env_file()
    for component in INFRA:
        component.up()
    print(f"environment written to {ENV_FILE}", flush=True)


def infra_down() -> None:
    """Stop the infrastructure dev.py started."""
    for component in reversed(INFRA):
        component.down()


def _state(daemon: procs.Daemon, healthy: Callable[[], bool]) -> str:
    if procs.running_pid(daemon) is not None:
        return "running" if healthy() else "starting"
    if daemon.port is not None and procs.port_open(daemon.port):
        return "foreign"  # the port answers, but not from a process dev.py started
    return "stopped"


def _kafka_answers(port: int) -> bool:
    return kafka.api_keys(port) is not None


def _status_rows() -> list[tuple[str, procs.Daemon, Callable[[], bool], str]]:
    return [
        *[(name, daemon, partial(_kafka_answers, port), f"{HOST}:{port}")
          for name, daemon, port in kafka.status_rows()],
        ("redis", redis.DAEMON, redis.ping, f"{HOST}:{REDIS_PORT}"),
        ("postgres", postgres.DAEMON, postgres.accepting_connections,
         f"{HOST}:{POSTGRES_PORT}"),
        *(services.status_rows() if INSTANCE.name == "dev" else []),
        *(observability.status_rows() if INSTANCE.name == "dev" else []),
    ]  # fmt: skip


def status() -> None:
    """Print each component: state (running/starting/stopped/foreign), pid and address."""
    print(f"{'component':<18}{'state':<10}{'pid':<9}address")
    for name, daemon, healthy, address in _status_rows():
        pid = procs.running_pid(daemon)
        print(f"{name:<18}{_state(daemon, healthy):<10}{pid or '-'!s:<9}{address}")


def up() -> None:
    """The whole platform: infrastructure, migrations, demo content, services."""
    if INSTANCE.name != "dev":
        raise DevError(f"`up` runs the development stack, not the {INSTANCE.name} instance")
    bootstrap.bootstrap()
    infra_up()
    observability.up()  # before the services, so their first traces have somewhere to go
    services.migrate()
    services.load_demo_content()
    try:
        services.start_all()
    except DevError as exc:
        hint = "Whatever did start keeps running: see `make status`; `make down` stops it all."
        raise DevError(f"{exc}\n{hint}") from exc
    _print_urls()


def _print_urls() -> None:
    gateway = f"http://{HOST}:{SERVICE_PORTS['gateway']}"
    print(
        f"""
Newsroom is up.
  portal            {gateway}/
  moderation desk   {gateway}/moderation
  ops dashboard     {gateway}/ops
  metrics, alerts   http://{HOST}:{observability.PROMETHEUS_PORT}/  (Prometheus; /alerts)
  traces            http://{HOST}:{observability.JAEGER_QUERY_PORT}/  (Jaeger)
  database          postgresql://{DB_USER}:{DB_PASSWORD}@{HOST}:{POSTGRES_PORT}/{DB_NAME}
  environment       source {ENV_FILE.relative_to(REPO)}
  logs              .dev/logs/
Stop everything with `make down`.""",
        flush=True,
    )
    _print_demo_accounts()


def _print_demo_accounts() -> None:
    saved = services.demo_output("gateway.demo")
    if saved is None:
        print("Demo accounts: none yet (gateway.demo does not exist yet).")
        return
    print("Demo accounts (from gateway.demo):")
    for line in saved.splitlines():
        print(f"  {line}")


def down() -> None:
    """Stop the services, Prometheus and Jaeger, then the infrastructure."""
    services.stop_all()
    observability.down()
    infra_down()


def _uv_run(*args: str) -> int:
    argv = [bootstrap.uv(), "run", "--no-sync", *args]
    return subprocess.run(argv, cwd=REPO, env=process_env(), check=False).returncode


def _prepare() -> None:
    with procs.exclusive():
        bootstrap.bootstrap()
        infra_up()


# the replicated-cluster tests run after the rest, on the `cluster` instance they start
CLUSTER_SUITE = ("tests/cluster", "-m", "cluster")


def test(pytest_args: Sequence[str]) -> int:
    """pytest on the test instance's infrastructure (never the stack `up` started).

    Without arguments: every test, the default run and then the cluster suite.
    """
    _prepare()
    bootstrap.ensure_helm()  # the chart tests render with it
    if pytest_args:
        return _uv_run("pytest", *pytest_args)
    return _uv_run("pytest") or _uv_run("pytest", *CLUSTER_SUITE)


def lint() -> int:
    """ruff (lint and format check) and mypy, as CI runs them."""
    bootstrap.sync_python_env()
    for args in (("ruff", "check", "."), ("ruff", "format", "--check", "."), ("mypy",)):
        code = _uv_run(*args)
        if code != 0:
            return code
    return 0


def bench(bench_args: Sequence[str]) -> int:
    """The benchmarks in bench/ on the test instance's infrastructure."""
    _prepare()
    if not (REPO / "bench" / "__main__.py").exists():
        procs.say("bench", "warning: bench/__main__.py does not exist yet; nothing to run")
        return 0
    return _uv_run("python", "-m", "bench", *bench_args)


COMMANDS: dict[str, Callable[[], object]] = {
    "bootstrap": setup,
    "infra-up": infra_up,
    "infra-down": infra_down,
    "status": status,
    "up": up,
    "down": down,
    "lint": lint,
}
READ_ONLY = {"status", "lint"}
PASSTHROUGH: dict[str, Callable[[Sequence[str]], int]] = {"test": test, "bench": bench}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dev.py", description="Run Newsroom locally.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, handler in COMMANDS.items():
        commands.add_parser(name, help=(handler.__doc__ or "").strip())
    for name, runner in PASSTHROUGH.items():
        sub = commands.add_parser(name, help=(runner.__doc__ or "").strip())
        sub.add_argument("args", nargs=argparse.REMAINDER, help="passed through")
    return parser


def main(argv: Sequence[str]) -> int:
    """Parse the command line, run the subcommand, report errors without tracebacks."""
    try:
        if argv and argv[0] in PASSTHROUGH:  # pytest's own options must not reach argparse
            return PASSTHROUGH[argv[0]](argv[1:])
        command = _parser().parse_args(argv).command
        if command in READ_ONLY:
            result = COMMANDS[command]()
        else:
            with procs.exclusive():
                result = COMMANDS[command]()
    except DevError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        return 0
    return result if isinstance(result, int) else 0
