"""Counting goes on while the primary holding the live state fails over to its replica.

Views are published in batches while the consumer counts them; meanwhile the primary of
the live state's slot hands it to its replica. The consumer's calls are retried until
the client follows the new slot map, and a batch applied before a retry is not counted
again (its applied marker is in the same slot and reached the replica with the counts).

Two ways to lose the primary:

- ``CLUSTER FAILOVER`` on the replica (planned): the replica takes over only once it has
  every write of the primary, so the counts are exact with no further step.
- ``kill -9`` of the primary: its replica is promoted after the node timeout. Replication
  is asynchronous, so the last script calls the old primary acknowledged may be missing
  on the new one, while Kafka already has their offsets committed. The live state keeps
  its own offsets (in the same script calls), so restarting the consumers (their startup
  points the groups at those offsets) replays exactly what was lost.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack

import pytest
from redis.asyncio import Redis

from analytics.adapters.read_model import ReadModel
from analytics.settings import Settings
from common.events import ARTICLES_TOPIC, COMMENTS_TOPIC, VIEWS_TOPIC
from common.events.views import ArticleView
from common.kafka.admin import ensure_topics
from tests.cluster.analytics_cluster import drop_env, fresh_cluster_settings, testing
from tests.cluster.conftest import CLUSTER_HOME, cluster_infra_up

pytestmark = pytest.mark.cluster

ARTICLES, BATCHES, SIZE = 12, 160, 50


@pytest.fixture
def settings() -> Iterator[Settings]:
    """An environment of its own: small script calls, so a failover falls between many."""
    settings = fresh_cluster_settings(views_per_call=200, consumer_max_records=10)
    yield settings
    asyncio.run(drop_env(settings))


@pytest.fixture
async def env(settings: Settings) -> AsyncIterator[testing.LiveEnv]:
    """Consumers counting in this process."""
    await ensure_topics(settings, [VIEWS_TOPIC, ARTICLES_TOPIC, COMMENTS_TOPIC])
    async with AsyncExitStack() as stack:
        yield await testing.start_consumers(settings, stack)


def traffic(articles: list[int]) -> list[list[ArticleView]]:
    """Batches of reads by distinct visitors (each counted once, none a repeat or a bot)."""
    tag = uuid.uuid4().hex[:6]
    return [
        [testing.view(articles[(b * SIZE + i) % ARTICLES], f"{tag}-{b}-{i}") for i in range(SIZE)]
        for b in range(BATCHES)
    ]


async def publish_paced(env: testing.LiveEnv, batches: list[list[ArticleView]]) -> list[uuid.UUID]:
    """Publish the batches a little apart, so counting is under way for a few seconds."""
    ids = []
    for batch in batches:
        ids.append(await env.publish_views(batch))
        await asyncio.sleep(0.02)
    return ids


async def counted(env: testing.LiveEnv, articles: list[int]) -> dict[int, int]:
    """Reads per article, straight from the live state."""
    model = ReadModel(redis=env.rt.redis, keys=env.state.keys, weights={})
    return {a: reads for a, reads, _ in await model.reads(articles)}


def node(port: int) -> Redis:
    """A plain connection to one cluster node (for cluster commands)."""
    return Redis(host="127.0.0.1", port=port, socket_timeout=10)


async def replica_of(primary_port: int) -> int:
    """The port of a healthy replica of a primary."""
    async with node(primary_port) as primary:
        me = (await primary.execute_command("CLUSTER", "MYID")).decode()
        rows = await primary.execute_command("CLUSTER", "REPLICAS", me)
    for row in rows:
        fields = (row.decode() if isinstance(row, bytes) else row).split()
        if "fail" not in fields[2] and fields[7] == "connected":
            return int(fields[1].split("@")[0].rsplit(":", 1)[1])
    raise AssertionError(f"primary on {primary_port} has no replica: {rows!r}")


async def wait_role(port: int, role: str, *, within: float = 30.0) -> None:
    """Until a node reports ``role`` (``master`` / ``slave``) and the cluster is ok."""
    deadline = time.monotonic() + within
    while True:
        try:
            async with node(port) as r:
                now = (await r.execute_command("ROLE"))[0]
                info = await r.execute_command("CLUSTER", "INFO")
            text = info.decode() if isinstance(info, bytes) else info
            if now in (role, role.encode()) and "cluster_state:ok" in text:
                return
        except OSError:
            pass
        assert time.monotonic() < deadline, f"node {port} is not {role} within {within}s"
        await asyncio.sleep(0.2)


async def manual_failover(port: int) -> None:
    """``CLUSTER FAILOVER`` on a replica, until it serves as the primary."""
    async with node(port) as replica:
        await replica.execute_command("CLUSTER", "FAILOVER")
    await wait_role(port, "master")


async def redeliver_and_mark(
    env: testing.LiveEnv, batches: list[list[ArticleView]], ids: list[uuid.UUID], marker: int
) -> None:
    """Deliver some batches again under their ids, each followed on its partition by a
    one-read batch of ``marker``: once the marker has them all, the repeats are handled."""
    for n in range(0, len(batches), 16):
        await env.publish_views(batches[n], event_id=ids[n])
        await env.publish_views([testing.view(marker, f"m{n}")], key=str(ids[n]))


async def counting_under_way(
    env: testing.LiveEnv, articles: list[int], batches: list[list[ArticleView]]
) -> tuple[int, int, asyncio.Task[list[uuid.UUID]]]:
    """The primary holding the live state and a replica of it, once paced publishing is
    running and a fifth of the views are counted."""
    redis, keys = env.rt.redis, env.state.keys
    primary = redis.get_node_from_key(keys.meta).port  # type: ignore[attr-defined]
    replica = await replica_of(primary)
    publishing = asyncio.create_task(publish_paced(env, batches))

    async def under_way() -> None:
        assert sum((await counted(env, articles)).values()) > BATCHES * SIZE // 5

    await testing.eventually(under_way, within=60)
    return primary, replica, publishing


async def test_counts_stay_exact_through_a_manual_failover(
    env: testing.LiveEnv, settings: Settings
) -> None:
    articles = [testing.new_article_id() for _ in range(ARTICLES)]
    marker = testing.new_article_id()
    batches = traffic(articles)
    expected = Counter(v.article_id for batch in batches for v in batch)
    redis, keys = env.rt.redis, env.state.keys
    primary, replica, publishing = await counting_under_way(env, articles, batches)
    started = time.monotonic()
    await manual_failover(replica)
    took = time.monotonic() - started
    before = sum((await counted(env, articles)).values())
    ids = await publishing
    assert before < BATCHES * SIZE, "the failover happened while counting was under way"

    await redeliver_and_mark(env, batches, ids, marker)

    async def exact() -> None:
        assert (await counted(env, [marker]))[marker] == len(range(0, BATCHES, 16))
        assert await counted(env, articles) == expected

    await testing.eventually(exact, within=90)
    assert redis.get_node_from_key(keys.meta).port == replica  # type: ignore[attr-defined]
    for article in articles[:3]:
        found = await testing.reads_of(env, article)
        assert found["dups"] == 0
        assert abs(found["unique_visitors"] - expected[article]) <= expected[article] * 0.02  # HLL
    print(f"manual failover took {took * 1000:.0f} ms; {before} of {BATCHES * SIZE} counted then")
    await manual_failover(primary)  # the original roles again, for the next run


def node_pid(port: int) -> int:
    """The pid of a cluster node dev.py started (checked against its command line)."""
    pid = int((CLUSTER_HOME / "run" / f"redis-cluster-{port}.pid").read_text().split()[0])
    with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
        assert f"redis-cluster/{port}".encode() in cmdline.read()
    return pid


async def test_counts_are_exact_after_a_killed_primary_and_a_consumer_restart(
    settings: Settings,
) -> None:
    await ensure_topics(settings, [VIEWS_TOPIC, ARTICLES_TOPIC, COMMENTS_TOPIC])
    articles = [testing.new_article_id() for _ in range(ARTICLES)]
    batches = traffic(articles)
    expected = Counter(v.article_id for batch in batches for v in batch)
    try:
        async with AsyncExitStack() as stack:
            env = await testing.start_consumers(settings, stack)
            primary, replica, publishing = await counting_under_way(env, articles, batches)
            assert not publishing.done(), "the kill falls while views are still coming"
            started = time.monotonic()
            os.kill(node_pid(primary), signal.SIGKILL)
            await wait_role(replica, "master")
            took = time.monotonic() - started
            await publishing

            async def all_handled() -> None:  # counting went on through the new primary
                assert sum((await counted(env, articles)).values()) >= BATCHES * SIZE * 0.9

            await testing.eventually(all_handled, within=90)
            await asyncio.sleep(2)  # what this round still counts, it counts now
            first_round = sum((await counted(env, articles)).values())
        async with AsyncExitStack() as stack:  # the restart: groups back at the state's offsets
            env = await testing.start_consumers(settings, stack)

            async def exact() -> None:
                assert await counted(env, articles) == expected

            await testing.eventually(exact, within=90)
        print(f"replica promoted {took:.1f}s after the kill; {first_round} of {BATCHES * SIZE}")
        print("reads counted before the consumers' restart, all of them after it")
    finally:
        cluster_infra_up()  # the killed node comes back, as a replica of the promoted one
    await wait_role(primary, "slave")
    await manual_failover(primary)  # the original roles again, for the next run
