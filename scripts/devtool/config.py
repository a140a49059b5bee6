"""Where things live and how they are reached: paths, ports, topics, environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEV = REPO / ".dev"
HOST = "127.0.0.1"


@dataclass(frozen=True)
class Instance:
    """One independent set of infrastructure: its own directory, ports and environment.

    ``dev`` is what ``make up`` runs; ``test`` is what ``make test`` and ``make bench``
    run, so tests never write into, kill or restart the stack a developer is using.
    """

    name: str
    home: Path  # data, logs, pid files and the env file of this instance
    kafka_port: int
    redis_port: int
    postgres_port: int
    kafka_nodes: int = 1
    redis_cluster: bool = False  # three Redis Cluster primaries beside the plain Redis

    @property
    def kafka_controller_port(self) -> int:
        return self.kafka_port + 1


INSTANCES = {
    "dev": Instance("dev", DEV, kafka_port=19092, redis_port=16379, postgres_port=15432),
    "test": Instance("test", DEV / "test", kafka_port=29092, redis_port=26379, postgres_port=25432),
    # the replicated setup of the `cluster` tests: three Kafka nodes (31092, 31094, 31096)
    # and three Redis Cluster primaries (31380-31382); below the ephemeral port range
    # (32768+), where an outgoing connection could hold a port a restarted node needs
    "cluster": Instance(
        "cluster",
        DEV / "cluster",
        kafka_port=31092,
        redis_port=31379,
        postgres_port=31432,
        kafka_nodes=3,
        redis_cluster=True,
    ),
}
INSTANCE_VARIABLE = "NEWSROOM_DEV_INSTANCE"  # dev.py sets it to "test" for `test` and `bench`


def _current_instance() -> Instance:
    name = os.environ.get(INSTANCE_VARIABLE, "dev")
    if name not in INSTANCES:
        raise SystemExit(f"{INSTANCE_VARIABLE}={name!r}: expected one of {', '.join(INSTANCES)}")
    return INSTANCES[name]


INSTANCE = _current_instance()
HOME = INSTANCE.home
LOGS = HOME / "logs"
RUN = HOME / "run"  # pid files of everything dev.py started for this instance
STATE = HOME / "state"  # markers such as "demo content loaded"
ENV_FILE = HOME / "env"

KAFKA_PORT = INSTANCE.kafka_port
KAFKA_CONTROLLER_PORT = INSTANCE.kafka_controller_port
REDIS_PORT = INSTANCE.redis_port
POSTGRES_PORT = INSTANCE.postgres_port
DB_NAME = DB_USER = "newsroom"
DB_PASSWORD = "newsroom"  # noqa: S105 - the local dev database's documented password

# The Kafka jars are resolved once for every instance; each instance has its own broker.
KAFKA_CLASSPATH = DEV / "kafka" / "classpath.txt"
KAFKA_DIR = HOME / "kafka"
KAFKA_INFRA = REPO / "infra" / "kafka"
KAFKA_HEAP = "512m"
# `make up KAFKA_NODES=3`: a replicated KRaft cluster (node n on KAFKA_PORT + 2(n-1), its
# controller one above). Without the variable, a running cluster is recognised by its
# first node's pid file, so `status` and `down` find it again.
_NODES_RUNNING = 3 if (RUN / "kafka-1.pid").exists() else INSTANCE.kafka_nodes
KAFKA_NODES = int(os.environ.get("KAFKA_NODES") or _NODES_RUNNING)


def kafka_ports() -> list[int]:
    """The broker port of every Kafka node of this instance."""
    return [KAFKA_PORT + 2 * n for n in range(KAFKA_NODES)]


def kafka_bootstrap() -> str:
    """``host:port,...`` of every node."""
    return ",".join(f"{HOST}:{port}" for port in kafka_ports())


# Logical topics and their partition counts; NEWSROOM_TOPIC_PARTITIONS overrides the
# default for the main topics. Every topic gets a one-partition ``<topic>.dlq``.
MAIN_TOPICS = ("articles.events", "comments.events", "analytics.views")
DEFAULT_PARTITIONS = 6

SERVICE_PORTS = {"gateway": 8000, "articles": 8001, "comments": 8002, "analytics": 8003}


def topic_partitions() -> dict[str, int]:
    """Every platform topic with the partition count it should have."""
    main = int(os.environ.get("NEWSROOM_TOPIC_PARTITIONS", DEFAULT_PARTITIONS))
    topics = dict.fromkeys(MAIN_TOPICS, main)
    topics.update({f"{name}.dlq": 1 for name in MAIN_TOPICS})
    return topics


def dev_env() -> dict[str, str]:
    """The variables every process (services, tests, tools) of this instance gets."""
    db = f"{DB_USER}:{DB_PASSWORD}@{HOST}:{POSTGRES_PORT}/{DB_NAME}"
    env = {
        "NEWSROOM_ENV": "dev",
        "NEWSROOM_KAFKA_BOOTSTRAP": kafka_bootstrap(),
        "NEWSROOM_REDIS_URL": f"redis://{HOST}:{REDIS_PORT}/0",
        "NEWSROOM_DATABASE_URL": f"postgresql+asyncpg://{db}",
    }
    if INSTANCE.redis_cluster:  # for the tests that opt in; services keep the plain Redis
        ports = range(REDIS_PORT + 1, REDIS_PORT + 4)
        env["REDIS_CLUSTER_NODES"] = ",".join(f"{HOST}:{port}" for port in ports)
    if INSTANCE.name != "dev":
        # tests start their own services on free ports and journal reads in temp dirs;
        # they never get the running stack's service addresses or its view journal
        env[INSTANCE_VARIABLE] = INSTANCE.name
        return env
    for service, port in SERVICE_PORTS.items():
        env[f"NEWSROOM_{service.upper()}_URL"] = f"http://{HOST}:{port}"
    for service, port in SERVICE_PORTS.items():
        env[f"{service.upper()}_PORT"] = str(port)
    env["GATEWAY_VIEW_JOURNAL_DIR"] = str(DEV / "views")  # answered reads survive a kill
    env["NEWSROOM_OTEL_ENDPOINT"] = f"http://{HOST}:4318"  # Jaeger (devtool.observability)
    env["GATEWAY_PROMETHEUS_URL"] = f"http://{HOST}:9090"  # the ops page's charts and alerts
    env["GATEWAY_JAEGER_URL"] = f"http://{HOST}:16686"  # the ops pages' traces
    return env


def process_env() -> dict[str, str]:
    """The current environment with the development variables on top."""
    return {**os.environ, **dev_env()}


def write_env_file() -> None:
    """Write the instance's env file (KEY=VALUE lines) for shells and tests to source."""
    HOME.mkdir(parents=True, exist_ok=True)
    lines = [f"{key}={value}\n" for key, value in dev_env().items()]
    ENV_FILE.write_text("".join(lines), encoding="utf-8")
