"""The article replica: policy inheritance, order safety, and the Kafka consumer end to end."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from comments_testing import CommentsDriver, next_id, now, poll
from sqlalchemy import func, select

from comments.adapters.tables import articles, processed_events
from comments.consumers.articles import article_events_consumer
from common.events import Envelope
from common.events.articles import (
    ArticlePublished,
    ArticleUnpublished,
    ArticleUpdated,
    SectionCommentSettings,
    SectionSettingsChanged,
)
from common.kafka import EventPublisher, start_producer


def _published(article: int, section: int, path: list[int], policy: str) -> ArticlePublished:
    settings = SectionCommentSettings(section_id=section, comment_policy=policy)  # type: ignore[arg-type]
    return ArticlePublished(
        article_id=article,
        section_id=section,
        section_path=path,
        title="t",
        slug="s",
        comments=settings,
    )


def _changed(root: int, *sections: tuple[int, str]) -> SectionSettingsChanged:
    return SectionSettingsChanged(
        section_id=root,
        sections=[SectionCommentSettings(section_id=s, comment_policy=p) for s, p in sections],  # type: ignore[arg-type]
    )


async def test_section_policy_is_inherited_down_the_tree(comments_app: CommentsDriver) -> None:
    root, child, own = next_id(), next_id(), next_id()
    t0 = now() - timedelta(minutes=10)
    in_child, in_own = next_id(), next_id()
    await comments_app.apply(_published(in_child, child, [root, child], "post"), at=t0)
    await comments_app.apply(_published(in_own, own, [root, own], "post"), at=t0)
    # the root turns to pre-moderation; the child inherits it, "own" keeps its own override
    await comments_app.apply(
        _changed(root, (root, "pre"), (child, "pre")), at=t0 + timedelta(minutes=1)
    )
    assert (await comments_app.submit(in_child, "子栏目", user=next_id()))["reasons"] == [
        "policy_pre"
    ]
    assert (await comments_app.submit(in_own, "自有设置", user=next_id()))["status"] == "approved"
    # an older settings event arriving late changes nothing
    await comments_app.apply(
        _changed(root, (root, "post"), (child, "post")), at=t0 + timedelta(seconds=30)
    )
    assert (await comments_app.submit(in_child, "迟到的旧事件", user=next_id()))["reasons"] == [
        "policy_pre"
    ]
    # a newer article event carries the then-effective settings and wins
    update = ArticleUpdated(**_published(in_child, child, [root, child], "first").model_dump())
    await comments_app.apply(update, at=t0 + timedelta(minutes=2))
    assert (await comments_app.submit(in_child, "首评审核", user=next_id()))["reasons"] == [
        "first_comment"
    ]


async def test_late_older_events_never_reopen_an_article(comments_app: CommentsDriver) -> None:
    article, section = next_id(), next_id()
    t0 = now() - timedelta(minutes=5)
    await comments_app.apply(ArticleUnpublished(article_id=article, section_id=section), at=t0)
    await comments_app.apply(
        _published(article, section, [section], "post"), at=t0 - timedelta(minutes=1)
    )
    assert (await comments_app.submit(article, "还关着吗", user=next_id()))["reasons"][
        0
    ] == "article_unpublished"
    await comments_app.apply(
        _published(article, section, [section], "post"), at=t0 + timedelta(minutes=1)
    )
    assert (await comments_app.submit(article, "重新发布", user=next_id()))["status"] == "approved"


async def test_consumer_applies_article_events_from_kafka_once(
    comments_app: CommentsDriver,
) -> None:
    settings = comments_app.ctx.settings
    producer = await start_producer(settings, client_id=f"test-{uuid.uuid4().hex[:6]}")
    consumer = article_events_consumer(
        settings=settings, sessions=comments_app.ctx.sessions, dlq_producer=producer
    )
    task = asyncio.create_task(consumer.run())
    try:
        publisher = EventPublisher(producer, settings)
        article, section = next_id(), next_id()
        published = Envelope.wrap(
            _published(article, section, [section], "post"), key=str(article), producer="articles"
        )
        for _ in range(2):  # a redelivered duplicate
            await publisher.publish(published, topic=published.payload().topic)

        async def status() -> str | None:
            async with comments_app.ctx.sessions() as session:
                return await session.scalar(
                    select(articles.c.status).where(articles.c.article_id == article)
                )

        assert await poll(status, within=20) == "published"
        assert (await comments_app.submit(article, "经由Kafka", user=next_id()))[
            "status"
        ] == "approved"
        closing = Envelope.wrap(
            ArticleUnpublished(article_id=article, section_id=section),
            key=str(article),
            producer="articles",
        )
        await publisher.publish(closing, topic=closing.payload().topic)
        await poll(lambda: _is(status, "unpublished"), within=10)
        async with comments_app.ctx.sessions() as session:
            claims = await session.scalar(
                select(func.count()).where(
                    processed_events.c.event_id.in_([published.event_id, closing.event_id])
                )
            )
        assert claims == 2
    finally:
        consumer.stop()
        await asyncio.wait_for(task, 10)
        await producer.stop()


async def _is(check: object, expected: str) -> bool:
    return await check() == expected  # type: ignore[operator]
