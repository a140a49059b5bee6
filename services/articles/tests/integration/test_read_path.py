"""The hot reads: bodies serialised once still match their documented models; round trips.

The article and list bodies are plain dicts serialised with orjson (no response model on
the way out), so these tests hold them to the models that document them
(``api/schemas.py``), field for field, and to the wire format of the other answers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from pydantic import BaseModel
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from articles.api.schemas import ArticleOut, ArticlePage, ArticleSummary
from common.db import Query

from .conftest import ArticlesApi, bearer

RELAY = re.compile(r"outbox|advisory", re.IGNORECASE)
UTC_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$")


def _exactly(model: type[BaseModel], body: dict[str, Any]) -> None:
    """``body`` has exactly the model's fields and validates against it."""
    assert set(body) == set(model.model_fields), set(body) ^ set(model.model_fields)
    model.model_validate(body)


def _engine(client: httpx.AsyncClient) -> AsyncEngine:
    app = client._transport.app  # type: ignore[attr-defined] # the ASGI transport's app
    engine: AsyncEngine = app.state.engine
    return engine


@contextmanager
def _statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """The SQL statements the app sends while the block runs: through the engine (but the
    outbox relay's polls: it runs in the app's lifespan on the same engine) and straight
    to the driver (``common.db.Query``)."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not RELAY.search(statement):
            seen.append(statement)

    on_driver = Query.rows

    async def recorded(query: Query, conn: AsyncConnection, params: Any = None) -> list[Any]:
        seen.append(query.sql)
        return await on_driver(query, conn, params or {})

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    Query.rows = recorded  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        Query.rows = on_driver  # type: ignore[method-assign]
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def test_article_body_matches_its_model_and_timestamps_end_in_z(
    api: ArticlesApi, articles_client: httpx.AsyncClient
) -> None:
    section = await api.section("要闻")
    older = await api.published(section["id"], "较早的一篇")
    article = await api.published(section["id"], "正文一篇", tags=["标签"])
    r = await articles_client.get(f"/api/v1/articles/{article}")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    _exactly(ArticleOut, body)
    assert body["previous"]["id"] == older
    assert body["favourited"] is None
    assert body["tags"] == ["标签"]
    assert body["comments"] == {
        "comment_policy": "pre",
        "comments_open": True,
        "comment_max_length": 250,
    }
    for stamp in (body["published_at"], body["updated_at"], body["created_at"]):
        assert UTC_Z.match(stamp), stamp
    assert UTC_Z.match(body["previous"]["published_at"])


async def test_list_bodies_match_their_model(
    api: ArticlesApi, articles_client: httpx.AsyncClient, editor_headers: dict[str, str]
) -> None:
    section = await api.section()
    await api.published(section["id"], "列表一篇")
    urls = [
        "/api/v1/articles?limit=3",
        "/api/v1/articles?page=1&limit=3",
        f"/api/v1/sections/{section['id']}/articles",
        "/api/v1/editor/articles?limit=3",
    ]
    for url in urls:
        r = await articles_client.get(url, headers=editor_headers)
        assert r.status_code == 200, (url, r.text)
        page = r.json()
        _exactly(ArticlePage, page)
        assert page["items"], url
        for item in page["items"]:
            _exactly(ArticleSummary, item)
            assert UTC_Z.match(item["updated_at"])


async def test_created_article_is_201_with_the_article_body(
    api: ArticlesApi, articles_client: httpx.AsyncClient, editor_headers: dict[str, str]
) -> None:
    section = await api.section()
    r = await articles_client.post(
        "/api/v1/articles",
        json={"section_id": section["id"], "title": "新稿"},
        headers=editor_headers,
    )
    assert r.status_code == 201
    _exactly(ArticleOut, r.json())
    assert r.json()["status"] == "draft"


async def test_favourited_is_the_callers_own(
    api: ArticlesApi, articles_client: httpx.AsyncClient
) -> None:
    section = await api.section()
    article = await api.published(section["id"], "收藏一篇")
    fan, other = bearer(7301, "reader"), bearer(7302, "reader")
    added = await articles_client.post(f"/api/v1/articles/{article}/favourite", headers=fan)
    assert added.status_code == 200
    url = f"/api/v1/articles/{article}"
    assert (await articles_client.get(url, headers=fan)).json()["favourited"] is True
    assert (await articles_client.get(url, headers=other)).json()["favourited"] is False
    mine = (await articles_client.get("/api/v1/favourites", headers=fan)).json()
    _exactly(ArticlePage, mine)
    assert [a["id"] for a in mine["items"]] == [article]


async def test_section_list_walks_the_whole_subtree_and_refuses_unknown_sections(
    api: ArticlesApi, articles_client: httpx.AsyncClient
) -> None:
    top = await api.section("一级")
    middle = await api.section("二级", parent_id=top["id"])
    bottom = await api.section("三级", parent_id=middle["id"])
    empty = await api.section("空栏目", parent_id=top["id"])
    deep = await api.published(bottom["id"], "三级栏目文章")
    near = await api.published(top["id"], "一级栏目文章")
    url = f"/api/v1/sections/{top['id']}/articles"
    listed = (await articles_client.get(url)).json()
    assert [a["id"] for a in listed["items"]] == [near, deep]
    only = (await articles_client.get(url, params={"subsections": "false"})).json()
    assert [a["id"] for a in only["items"]] == [near]
    numbered = (await articles_client.get(url, params={"page": 1, "limit": 1})).json()
    assert (numbered["total"], [a["id"] for a in numbered["items"]]) == (2, [near])
    nothing = await articles_client.get(f"/api/v1/sections/{empty['id']}/articles")
    assert nothing.status_code == 200
    assert nothing.json()["items"] == []
    for params in ({}, {"subsections": "false"}, {"page": 1}):
        unknown = await articles_client.get("/api/v1/sections/987650/articles", params=params)
        assert unknown.status_code == 404, params
        assert unknown.json()["error"] == "not_found"


async def test_hot_reads_take_one_statement_the_section_list_two(
    api: ArticlesApi, articles_client: httpx.AsyncClient
) -> None:
    parent = await api.section("父")
    section = await api.section("子", parent_id=parent["id"])
    for n in range(3):
        await api.published(section["id"], f"第{n}篇")
    article = (await articles_client.get("/api/v1/articles?limit=1")).json()["items"][0]["id"]
    engine = _engine(articles_client)
    assert engine.pool._pre_ping is False  # type: ignore[attr-defined] # no ping per checkout
    assert engine.pool._max_overflow == 0  # type: ignore[attr-defined] # no connect per request
    # the section list names its subtree's ids in the page's statement (see list_section)
    for url, statements in (
        (f"/api/v1/articles/{article}", 1),
        ("/api/v1/articles", 1),
        (f"/api/v1/sections/{parent['id']}/articles", 2),
    ):
        with _statements(engine) as seen:
            r = await articles_client.get(url)
        assert r.status_code == 200
        assert len(seen) == statements, (url, seen)
