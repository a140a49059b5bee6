"""Exact counts through crashes, Redis loss and full rebuilds from Kafka."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from contextlib import AsyncExitStack
from pathlib import Path

import pytest
from analytics_testing import (
    LiveEnv,
    digest,
    env_for,
    eventually,
    mixed_traffic,
    new_article_id,
    published,
    reads_of,
    start_consumers,
    view,
)

from analytics.adapters.keys import Keys
from analytics.adapters.restore import wipe
from analytics.adapters.rollup import roll_up
from analytics.runtime import runtime
from analytics.settings import Settings
from common.events import ARTICLES_TOPIC, COMMENTS_TOPIC, VIEWS_TOPIC
from common.events.articles import ArticleArchived
from common.events.comments import CommentApproved
from common.kafka.admin import ensure_topics

ROOT = Path(__file__).resolve().parents[4]


def consumer_process(settings: Settings) -> subprocess.Popen[bytes]:
    """``python -m analytics.consumers`` on the test's environment."""
    return subprocess.Popen(
        [sys.executable, "-m", "analytics.consumers"],
        env=os.environ | env_for(settings),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def publish(env: LiveEnv, batches: list[list[object]]) -> None:
    for batch in batches:
        await env.publish_views(batch)  # type: ignore[arg-type]


async def counted_views(env: LiveEnv, articles: list[int]) -> int:
    total = 0
    for article in articles:
        found = await reads_of(env, article)
        total += found["reads"] + found["bots"] + found["dups"]
    return total


async def test_counts_stay_exact_when_the_consumer_is_killed_mid_batch(
    analytics_isolated: Settings,
) -> None:
    settings = analytics_isolated.model_copy(update={"views_per_call": 500})
    await ensure_topics(settings, [VIEWS_TOPIC, ARTICLES_TOPIC, COMMENTS_TOPIC])
    articles = [new_article_id() for _ in range(40)]
    # enough views that the consumer is still busy when it is killed: it is killed once it
    # has counted a tenth of them (about 30,000-40,000 of the 150,000 by then, here)
    traffic = mixed_traffic(articles, batches=200, size=750, seed=1)
    # the same rules applied by one process that is never killed give the expected numbers
    async with AsyncExitStack() as stack:
        reference = await start_consumers(
            settings.model_copy(
                update={
                    "redis_prefix": settings.redis_prefix + "ref:",
                    "views_group": "ref-" + settings.views_group,
                    "events_group": "ref-" + settings.events_group,
                }
            ),
            stack,
        )
        await publish(reference, traffic)
        total = sum(len(b) for b in traffic)

        async def reference_done() -> None:
            assert await counted_views(reference, articles) == total

        await eventually(reference_done, within=60)
        expected = {a: await reads_of(reference, a) for a in articles}

        process = consumer_process(settings)
        try:
            async with runtime(settings) as rt:
                env = LiveEnv(settings, rt, reference.publisher, reference.producer)

                async def partly() -> None:
                    assert await counted_views(env, articles) > total // 10

                await eventually(partly, within=60)
                process.send_signal(signal.SIGKILL)  # no chance to commit or clean up
                process.wait(10)
                assert await counted_views(env, articles) < total  # it was killed mid-way
                process = consumer_process(settings)

                async def complete() -> None:
                    assert await counted_views(env, articles) == total

                await eventually(complete, within=90)
                for article in articles:
                    assert await reads_of(env, article) == expected[article]
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(20)


async def test_a_flushed_redis_is_restored_from_postgres_and_kafka(
    analytics_isolated: Settings,
) -> None:
    settings = analytics_isolated
    await ensure_topics(settings, [VIEWS_TOPIC, ARTICLES_TOPIC, COMMENTS_TOPIC])
    articles = [new_article_id() for _ in range(10)]
    before, after = mixed_traffic(articles, batches=30, size=100, seed=2), None
    after = mixed_traffic(articles, batches=30, size=100, seed=2)  # same visitors: repeats
    async with AsyncExitStack() as stack:
        env = await start_consumers(settings, stack)
        for article in articles:
            await env.publish_event(published(article, [1, 2]))
        await publish(env, before)
        await env.publish_event(CommentApproved(comment_id=1, article_id=articles[0]))

        async def first_half() -> None:
            assert await counted_views(env, articles) == 3000

        await eventually(first_half)
        assert await roll_up(state=env.state, engine=env.rt.engine) is not None
        await publish(env, after)  # after the rollup: only in Kafka
        await env.publish_event(ArticleArchived(article_id=articles[1], section_id=2))

        async def second_half() -> None:
            assert await counted_views(env, articles) == 6000
            assert (await reads_of(env, articles[1]))["hidden"]

        await eventually(second_half)
        live = await digest(env)

    async with runtime(settings) as rt:
        await wipe(rt.redis, rt.state.keys)  # Redis lost everything
    async with AsyncExitStack() as stack:
        env = await start_consumers(settings, stack)  # notices, restores, replays

        async def identical() -> None:
            assert await digest(env) == live

        await eventually(identical, within=60)


async def test_a_rebuild_from_kafka_equals_the_live_state(analytics_isolated: Settings) -> None:
    settings = analytics_isolated
    await ensure_topics(settings, [VIEWS_TOPIC, ARTICLES_TOPIC, COMMENTS_TOPIC])
    articles = [new_article_id() for _ in range(10)]
    async with AsyncExitStack() as stack:
        env = await start_consumers(settings, stack)
        for article in articles:
            await env.publish_event(published(article, [1, 3]))
        traffic = mixed_traffic(articles, batches=20, size=100, seed=3)
        await publish(env, traffic)
        event_id = await env.publish_views([view(articles[0], "again")])
        await env.publish_views([view(articles[0], "again")], event_id=event_id)
        await env.publish_event(ArticleArchived(article_id=articles[2], section_id=3))

        async def done() -> None:
            assert await counted_views(env, articles) == 2001
            assert (await reads_of(env, articles[2]))["hidden"]

        await eventually(done)
        live = await digest(env)

    rebuilt = settings.redis_prefix.rstrip(":") + "-rebuilt:"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "analytics.rebuild", "--prefix", rebuilt,
        env=os.environ | env_for(settings),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, out.decode() + err.decode()[-2000:]
    assert b"identical to the live state" in out
    async with runtime(settings) as rt:
        assert await digest(rt, Keys(rebuilt)) == live
        await wipe(rt.redis, Keys(rebuilt))


async def test_offsets_are_left_to_a_member_that_joined_while_the_group_looked_empty(
    analytics_isolated: Settings,
) -> None:
    """Two consumer processes started at once: the second finds the group empty while the
    first is joining, and the broker refuses its offset commit. That is "the group is
    busy" (its offsets are the member's; ``ensure_ready`` then leaves them), not a crash."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    from analytics.adapters.kafka_log import GroupBusyError, reset_group

    settings = analytics_isolated
    await ensure_topics(settings, [VIEWS_TOPIC, ARTICLES_TOPIC, COMMENTS_TOPIC])
    views = settings.topic(VIEWS_TOPIC)
    member = AIOKafkaConsumer(
        views,
        bootstrap_servers=settings.kafka_bootstrap,
        group_id=settings.views_group,
        enable_auto_commit=False,
    )
    await member.start()
    try:
        await member.getmany(timeout_ms=3000)  # joined: it holds the partitions
        assert member.assignment()
        with pytest.raises(GroupBusyError, match="gained a member"):
            await reset_group(settings, settings.views_group, {TopicPartition(views, 0): 0})
    finally:
        await member.stop()
