"""Every workflow transition, the events it records, and refused transitions."""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from articles.adapters.tables import outbox
from articles.settings import Settings
from common.events import ARTICLES_TOPIC, Envelope

from .conftest import ArticlesApi, soon


async def outbox_types(sessions: async_sessionmaker[AsyncSession], article_id: int) -> list[str]:
    """Event types recorded for an article, in order."""
    async with sessions() as session:
        rows = await session.execute(
            select(outbox.c.event_type).where(outbox.c.key == str(article_id)).order_by(outbox.c.id)
        )
        return [r.event_type for r in rows]


async def test_every_transition_and_its_events(
    api: ArticlesApi,
    articles_client: httpx.AsyncClient,
    articles_sessions: async_sessionmaker[AsyncSession],
) -> None:
    section = await api.section("工作流")
    aid = await api.draft(section["id"], "工作流测试")
    r = await api.act(aid, "schedule", publish_at=soon(days=30))
    assert r.json()["status"] == "scheduled"
    steps = [
        ("unpublish", {}, "draft"),  # cancels the schedule
        ("publish", {}, "published"),
        ("archive", {}, "archived"),
        ("publish", {}, "published"),
        ("unpublish", {}, "draft"),
        ("schedule", {"publish_at": soon(days=2, tz="+08:00")}, "scheduled"),
        ("publish", {}, "published"),
    ]
    for action, body, expected in steps:
        r = await api.act(aid, action, **body)
        assert r.status_code == 200, (action, r.text)
        assert r.json()["status"] == expected
    assert (await api.act(aid, "schedule", publish_at=soon(days=1))).status_code == 409
    r = await articles_client.delete(f"/api/v1/articles/{aid}", headers=api.editor)
    assert r.status_code == 204
    assert (await articles_client.get(f"/api/v1/articles/{aid}")).status_code == 404
    r = await articles_client.get(f"/api/v1/editor/articles/{aid}", headers=api.editor)
    assert r.status_code == 404
    assert await outbox_types(articles_sessions, aid) == [
        "article.published",
        "article.archived",
        "article.published",
        "article.unpublished",
        "article.published",
        "article.deleted",
    ]


@pytest.mark.parametrize(
    ("setup", "action", "reason"),
    [
        ([], "archive", "cannot archive an article that is draft"),
        ([], "unpublish", "cannot unpublish an article that is draft"),
        (["publish"], "publish", "cannot publish an article that is published"),
        (["publish", "archive"], "archive", "cannot archive an article that is archived"),
        (["publish"], "schedule", "cannot schedule an article that is published"),
    ],
)
async def test_invalid_transitions_are_409_with_reason(
    api: ArticlesApi, setup: list[str], action: str, reason: str
) -> None:
    section = await api.section()
    aid = await api.draft(section["id"])
    for step in setup:
        assert (await api.act(aid, step)).status_code == 200
    body = {"publish_at": soon(days=1)} if action == "schedule" else {}
    r = await api.act(aid, action, **body)
    assert r.status_code == 409
    assert reason in r.json()["detail"]


async def test_schedule_in_the_past_or_without_timezone_is_refused(api: ArticlesApi) -> None:
    section = await api.section()
    aid = await api.draft(section["id"])
    r = await api.act(aid, "schedule", publish_at="2001-01-01T00:00:00Z")
    assert r.status_code == 422
    assert "future" in r.json()["detail"]
    r = await api.act(aid, "schedule", publish_at=soon(days=1)[:-1])
    assert r.status_code == 422
    r = await api.act(aid, "schedule", publish_at=soon(days=400))
    assert r.status_code == 422
    assert "a year" in r.json()["detail"]


async def test_events_reach_kafka_with_section_path_and_comment_settings(
    api: ArticlesApi, articles_topics: Settings
) -> None:
    root = await api.section("首页测试", comment_policy="post")
    child = await api.section("子栏目", parent_id=root["id"], comments_open=False)
    aid = await api.published(child["id"], "事件测试", tags=["事件"])
    consumer = AIOKafkaConsumer(
        articles_topics.topic(ARTICLES_TOPIC),
        bootstrap_servers=articles_topics.kafka_bootstrap,
        group_id=f"articles-test-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        found = await _first_event(consumer, key=str(aid), event_type="article.published")
    finally:
        await consumer.stop()
    data = found.payload().model_dump()
    assert data["section_path"] == [root["id"], child["id"]]
    assert data["comments"]["comment_policy"] == "post"  # inherited from the root
    assert data["comments"]["comments_open"] is False
    assert data["tags"] == ["事件"]


async def _first_event(consumer: AIOKafkaConsumer, *, key: str, event_type: str) -> Envelope:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        batches = await consumer.getmany(timeout_ms=500)
        for records in batches.values():
            for record in records:
                envelope = Envelope.from_bytes(record.value)
                if envelope.key == key and envelope.event_type == event_type:
                    return envelope
        await asyncio.sleep(0)
    raise AssertionError(f"no {event_type} for {key} within 20 s")
