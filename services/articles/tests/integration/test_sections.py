"""Sections: the tree, breadcrumbs, inherited comment settings and their events."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from articles.adapters.tables import outbox

from .conftest import ArticlesApi


async def _section_events(
    sessions: async_sessionmaker[AsyncSession], section_id: object
) -> list[dict[str, object]]:
    async with sessions() as session:
        rows = await session.execute(
            select(outbox.c.envelope)
            .where(outbox.c.key == f"section-{section_id}")
            .order_by(outbox.c.id)
        )
        return [r.envelope["data"] for r in rows]


async def test_tree_breadcrumbs_and_inherited_settings(
    api: ArticlesApi,
    articles_client: httpx.AsyncClient,
    articles_sessions: async_sessionmaker[AsyncSession],
) -> None:
    c = articles_client
    root = await api.section("首页", comment_policy="first", position=1)
    news = await api.section("新闻中心", parent_id=root["id"])
    domestic = await api.section("国内新闻", parent_id=news["id"], comment_max_length=200)
    detail = (await c.get(f"/api/v1/sections/{domestic['id']}")).json()
    assert [b["name"] for b in detail["breadcrumbs"]] == ["首页", "新闻中心", "国内新闻"]
    assert detail["comment_policy"] is None
    assert detail["effective"] == {
        "comment_policy": "first",
        "comments_open": True,
        "comment_max_length": 200,
    }
    tree = (await c.get("/api/v1/sections")).json()["items"]
    node = next(n for n in tree if n["id"] == root["id"])
    assert node["children"][0]["id"] == news["id"]
    assert node["children"][0]["children"][0]["id"] == domestic["id"]

    r = await c.patch(
        f"/api/v1/sections/{news['id']}",
        json={"comment_policy": "post", "comments_open": False},
        headers=api.editor,
    )
    assert r.status_code == 200
    assert r.json()["effective"]["comment_policy"] == "post"
    events = await _section_events(articles_sessions, news["id"])
    changed = events[-1]
    listed = {s["section_id"]: s for s in changed["sections"]}  # type: ignore[union-attr]
    assert set(listed) == {news["id"], domestic["id"]}
    assert listed[domestic["id"]]["comment_policy"] == "post"
    assert listed[domestic["id"]]["comments_open"] is False
    assert listed[domestic["id"]]["comment_max_length"] == 200

    r = await c.patch(
        f"/api/v1/sections/{news['id']}", json={"comment_policy": None}, headers=api.editor
    )
    assert r.json()["effective"]["comment_policy"] == "first"  # inherits again


async def test_section_rules(api: ArticlesApi, articles_client: httpx.AsyncClient) -> None:
    c = articles_client
    parent = await api.section("父")
    child = await api.section("子", parent_id=parent["id"])
    r = await c.patch(
        f"/api/v1/sections/{parent['id']}", json={"parent_id": child["id"]}, headers=api.editor
    )
    assert r.status_code == 422
    assert "below itself" in r.json()["detail"]
    r = await c.post(
        "/api/v1/sections", json={"name": "重复", "slug": parent["slug"]}, headers=api.editor
    )
    assert r.status_code == 409
    r = await c.post(
        "/api/v1/sections", json={"name": "x", "parent_id": 999999}, headers=api.editor
    )
    assert r.status_code == 422
    r = await c.post("/api/v1/sections", json={"name": "x", "slug": "Bad Slug"}, headers=api.editor)
    assert r.status_code == 422
    r = await c.post(
        "/api/v1/sections", json={"name": "x", "comment_policy": "never"}, headers=api.editor
    )
    assert r.status_code == 422
    r = await c.patch(f"/api/v1/sections/{child['id']}", json={"name": None}, headers=api.editor)
    assert r.status_code == 422
    assert "name: must not be null" in r.json()["detail"]
    r = await c.post("/api/v1/sections", json={"name": "国际新闻"}, headers=api.editor)
    assert r.status_code in {201, 409}
    if r.status_code == 201:
        assert r.json()["slug"] == "guo-ji-xin-wen"
