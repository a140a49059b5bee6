"""Where things live and how they are reached: paths, ports, topics, environment."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEV = REPO / ".dev"
LOGS = DEV / "logs"
RUN = DEV / "run"  # pid files of everything dev.py started
STATE = DEV / "state"  # markers such as "demo content loaded"
ENV_FILE = DEV / "env"

HOST = "127.0.0.1"
KAFKA_PORT = 19092
KAFKA_CONTROLLER_PORT = 19093
REDIS_PORT = 16379
POSTGRES_PORT = 15432
DB_NAME = DB_USER = "newsroom"
DB_PASSWORD = "newsroom"  # noqa: S105 - the local dev database's documented password

KAFKA_DIR = DEV / "kafka"
KAFKA_CLASSPATH = KAFKA_DIR / "classpath.txt"
KAFKA_INFRA = REPO / "infra" / "kafka"
KAFKA_HEAP = "512m"

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
    """The variables every process (services, tests, tools) gets in development."""
    db = f"{DB_USER}:{DB_PASSWORD}@{HOST}:{POSTGRES_PORT}/{DB_NAME}"
    env = {
        "NEWSROOM_ENV": "dev",
        "NEWSROOM_KAFKA_BOOTSTRAP": f"{HOST}:{KAFKA_PORT}",
        "NEWSROOM_REDIS_URL": f"redis://{HOST}:{REDIS_PORT}/0",
        "NEWSROOM_DATABASE_URL": f"postgresql+asyncpg://{db}",
    }
    for service, port in SERVICE_PORTS.items():
        env[f"NEWSROOM_{service.upper()}_URL"] = f"http://{HOST}:{port}"
    for service, port in SERVICE_PORTS.items():
        env[f"{service.upper()}_PORT"] = str(port)
    env["GATEWAY_VIEW_JOURNAL_DIR"] = str(DEV / "views")  # answered reads survive a kill
    return env


def process_env() -> dict[str, str]:
    """The current environment with the development variables on top."""
    return {**os.environ, **dev_env()}


def write_env_file() -> None:
    """Write ``.dev/env`` (KEY=VALUE lines) for shells and tests to source."""
    DEV.mkdir(parents=True, exist_ok=True)
    lines = [f"{key}={value}\n" for key, value in dev_env().items()]
    ENV_FILE.write_text("".join(lines), encoding="utf-8")
