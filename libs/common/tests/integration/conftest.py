import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from common.db import create_engine, drop_schema
from common.events import ARTICLES_TOPIC
from common.kafka.admin import ensure_topics
from common.settings import ServiceSettings

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

import common_procs  # noqa: E402 - needs the path above


@pytest.fixture(scope="session")
def common_settings() -> ServiceSettings:
    tag = uuid.uuid4().hex[:10]
    return ServiceSettings(
        service_name="common-test", db_schema=f"t_common_{tag}", topic_suffix=f".t{tag}"
    )


@pytest.fixture(scope="session")
async def common_infra(common_settings: ServiceSettings) -> AsyncIterator[ServiceSettings]:
    await ensure_topics(common_settings, [ARTICLES_TOPIC], partitions=4)
    await common_procs.create_tables(common_settings)
    yield common_settings
    await drop_schema(common_settings)


@pytest.fixture
async def engine(common_infra: ServiceSettings):  # type: ignore[no-untyped-def]
    engine = create_engine(common_infra)
    yield engine
    await engine.dispose()


def proc_env(settings: ServiceSettings, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        NEWSROOM_DB_SCHEMA=settings.db_schema,
        NEWSROOM_TOPIC_SUFFIX=settings.topic_suffix,
        NEWSROOM_KAFKA_BOOTSTRAP=settings.kafka_bootstrap,
        NEWSROOM_DATABASE_URL=settings.database_url,
        **extra,
    )
    return env


@pytest.fixture
def spawn(common_infra: ServiceSettings) -> Iterator[object]:
    procs: list[subprocess.Popen[bytes]] = []

    def start(mode: str, **extra: str) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            [sys.executable, str(HERE / "common_procs.py"), mode],
            env=proc_env(common_infra, **extra),
        )
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
