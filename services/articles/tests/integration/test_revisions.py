"""Every edit is kept as a revision; any revision can be restored."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .conftest import ArticlesApi
from .test_workflow import outbox_types


async def test_edits_make_revisions_and_restore_brings_content_back(
    api: ArticlesApi,
    articles_client: httpx.AsyncClient,
    articles_sessions: async_sessionmaker[AsyncSession],
) -> None:
    c, editor = articles_client, api.editor
    section = await api.section()
    other = await api.section("另一个栏目")
    aid = await api.draft(section["id"], "初稿标题", tags=["初稿"])
    r = await c.patch(
        f"/api/v1/articles/{aid}",
        json={"title": "第二稿标题", "body_html": "<p>第二稿正文</p>"},
        headers=editor,
    )
    assert r.status_code == 200
    assert r.json()["revision"] == 2
    assert r.json()["slug"].startswith("di-er-gao-biao-ti-")  # never published: slug follows
    r = await c.patch(
        f"/api/v1/articles/{aid}",
        json={"section_id": other["id"], "tags": ["终稿"]},
        headers=editor,
    )
    assert r.json()["revision"] == 3
    same = await c.patch(f"/api/v1/articles/{aid}", json={"tags": ["终稿"]}, headers=editor)
    assert same.json()["revision"] == 3  # no change, no revision
    revisions = (await c.get(f"/api/v1/articles/{aid}/revisions", headers=editor)).json()["items"]
    assert [x["revision"] for x in revisions] == [3, 2, 1]
    assert [x["title"] for x in revisions] == ["第二稿标题", "第二稿标题", "初稿标题"]
    assert revisions[0]["section_id"] == other["id"]
    r = await c.post(f"/api/v1/articles/{aid}/revisions/1/restore", headers=editor)
    assert r.status_code == 200
    restored = r.json()
    assert restored["revision"] == 4
    assert restored["title"] == "初稿标题"
    assert restored["body_html"] == "<p>正文</p>"
    assert restored["tags"] == ["初稿"]
    assert restored["section_id"] == section["id"]
    latest = (await c.get(f"/api/v1/articles/{aid}/revisions", headers=editor)).json()["items"][0]
    assert latest["note"] == "restored revision 1"
    missing = await c.post(f"/api/v1/articles/{aid}/revisions/99/restore", headers=editor)
    assert missing.status_code == 404
    assert await outbox_types(articles_sessions, aid) == []  # drafts announce nothing


async def test_editing_a_published_article_keeps_its_slug_and_announces_it(
    api: ArticlesApi,
    articles_client: httpx.AsyncClient,
    articles_sessions: async_sessionmaker[AsyncSession],
) -> None:
    section = await api.section()
    aid = await api.published(section["id"], "原来的标题")
    before = (await articles_client.get(f"/api/v1/articles/{aid}")).json()
    r = await articles_client.patch(
        f"/api/v1/articles/{aid}", json={"title": "新的标题"}, headers=api.editor
    )
    assert r.json()["slug"] == before["slug"]
    after = (await articles_client.get(f"/api/v1/articles/{aid}")).json()
    assert after["title"] == "新的标题"
    assert await outbox_types(articles_sessions, aid) == ["article.published", "article.updated"]


async def test_revisions_need_an_editor(
    api: ArticlesApi, articles_client: httpx.AsyncClient, reader_headers: dict[str, str]
) -> None:
    section = await api.section()
    aid = await api.published(section["id"])
    r = await articles_client.get(f"/api/v1/articles/{aid}/revisions", headers=reader_headers)
    assert r.status_code == 403
    assert (await articles_client.get(f"/api/v1/articles/{aid}/revisions")).status_code == 401
