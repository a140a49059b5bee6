"""Bad input gets a 4xx with a reason, never a 500; stored HTML never holds a script."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from articles.adapters.tables import article_revisions, articles

from .conftest import ArticlesApi


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        ({"body_html": "<p>x</p>"}, 422, "title"),  # title missing
        ({"title": ""}, 422, "title"),
        ({"title": "   "}, 422, "title: must not be empty"),
        ({"title": "长" * 201}, 422, "title"),
        ({"title": "t", "summary": "s" * 501}, 422, "summary"),
        ({"title": "t", "tags": [f"标签{i}" for i in range(11)]}, 422, "tags"),
        ({"title": "t", "tags": ["很长的标签" * 5]}, 422, "tags"),
        ({"title": "t", "cover_image_url": "javascript:alert(1)"}, 422, "cover_image_url"),
        ({"title": "t", "unknown_field": 1}, 422, "unknown_field"),
        ({"title": "t\x07"}, 422, "control characters"),
        ({"title": "t", "body_html": "<p>hi<script>alert(1)</script></p>"}, 422, "<script>"),
        ({"title": "t", "body_html": "<SCRIPT SRC=//x.js></SCRIPT>"}, 422, "<script>"),
        ({"title": "t", "body_html": '<img src="x" onerror="alert(1)">'}, 422, "onerror"),
        (
            {"title": "t", "body_html": '<a href="jav&#x09;ascript:alert(1)">x</a>'},
            422,
            "javascript",
        ),
        ({"title": "t", "body_html": "<iframe src='https://x'></iframe>"}, 422, "<iframe>"),
        ({"title": "t", "body_html": "<style>p{}</style>"}, 422, "<style>"),
        ({"title": "t", "body_html": "<div><p>unclosed div"}, 422, "<div> is never closed"),
        ({"title": "t", "body_html": "<p>stray</span></p>"}, 422, "</span>"),
        ({"title": "t", "body_html": "<p>broken <a href='x"}, 422, "not terminated"),
    ],
)
async def test_create_refuses_with_reason(
    api: ArticlesApi,
    articles_client: httpx.AsyncClient,
    body: dict[str, object],
    status: int,
    reason: str,
) -> None:
    section = await api.section()
    r = await articles_client.post(
        "/api/v1/articles", json={"section_id": section["id"], **body}, headers=api.editor
    )
    assert r.status_code == status, r.text
    assert reason in r.json()["detail"]


async def test_unknown_section_and_unknown_article(
    api: ArticlesApi, articles_client: httpx.AsyncClient
) -> None:
    r = await articles_client.post(
        "/api/v1/articles", json={"section_id": 987654, "title": "t"}, headers=api.editor
    )
    assert r.status_code == 422
    assert "section 987654 does not exist" in r.json()["detail"]
    assert (await articles_client.get("/api/v1/articles/987654")).status_code == 404
    assert (await articles_client.get("/api/v1/sections/987654")).status_code == 404
    assert (await articles_client.get("/api/v1/sections/987654/articles")).status_code == 404
    r = await articles_client.patch(
        "/api/v1/articles/987654", json={"title": "x"}, headers=api.editor
    )
    assert r.status_code == 404
    assert (await articles_client.get("/api/v1/articles/abc")).status_code == 422


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("/api/v1/articles?cursor=not-a-cursor", "cursor"),
        ("/api/v1/articles?limit=0", "limit"),
        ("/api/v1/articles?limit=1000", "limit"),
        ("/api/v1/articles?page=0", "page"),
        ("/api/v1/search?q=", "q"),
        ("/api/v1/search?q=%20%2C%E3%80%82", "q"),  # only punctuation
        ("/api/v1/search?q=" + "长" * 101, "q"),
        ("/api/v1/search?q=test&from=yesterday", "from"),
        ("/api/v1/search?q=test&cursor=WyJ4IiwxXQ", "cursor"),
        ("/api/v1/search", "q"),
    ],
)
async def test_bad_query_parameters(
    articles_client: httpx.AsyncClient, url: str, reason: str
) -> None:
    r = await articles_client.get(url)
    assert r.status_code in {400, 422}, r.text
    assert reason in r.json()["detail"]


async def test_writes_need_an_editor(
    api: ArticlesApi, articles_client: httpx.AsyncClient, reader_headers: dict[str, str]
) -> None:
    section = await api.section()
    body = {"section_id": section["id"], "title": "t"}
    assert (await articles_client.post("/api/v1/articles", json=body)).status_code == 401
    r = await articles_client.post("/api/v1/articles", json=body, headers=reader_headers)
    assert r.status_code == 403
    bad = {"Authorization": "Bearer not.a.token"}
    assert (
        await articles_client.post("/api/v1/articles", json=body, headers=bad)
    ).status_code == 401
    r = await articles_client.post("/api/v1/sections", json={"name": "x"}, headers=reader_headers)
    assert r.status_code == 403


async def test_stored_html_is_sanitised_and_never_holds_script(
    api: ArticlesApi,
    articles_client: httpx.AsyncClient,
    articles_sessions: async_sessionmaker[AsyncSession],
) -> None:
    section = await api.section()
    aid = await api.draft(
        section["id"],
        "清洗",
        body_html='<p class="x" style="color:red">保留<unknown>文字</unknown>'
        '<a href="https://example.org" target="_blank">链接</a>&lt;script&gt;</p>',
    )
    body = (await articles_client.get(f"/api/v1/editor/articles/{aid}", headers=api.editor)).json()
    assert body["body_html"] == (
        '<p>保留文字<a href="https://example.org" rel="noopener noreferrer nofollow">链接</a>'
        "&lt;script&gt;</p>"
    )
    async with articles_sessions() as session:
        stored = list((await session.execute(select(articles.c.body_html))).scalars())
        stored += list((await session.execute(select(article_revisions.c.body_html))).scalars())
    assert stored
    assert not any("<script" in html.lower() for html in stored)


@pytest.mark.parametrize(
    "fields",
    [
        '"title": "\\ud800 lone surrogate"',
        '"title": "t", "body_html": "<p>bell \\u0007 in text</p>"',
        '"title": "t", "tags": ["\\udfff"]',
        '"title": "t", "author": "\\ud83d"',
    ],
)
async def test_unencodable_or_control_text_is_refused(
    api: ArticlesApi, articles_client: httpx.AsyncClient, fields: str
) -> None:
    section = await api.section()
    raw = f'{{"section_id": {section["id"]}, {fields}}}'
    r = await articles_client.post(
        "/api/v1/articles",
        content=raw.encode(),
        headers=api.editor | {"content-type": "application/json"},
    )
    assert r.status_code == 422, r.text


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/search?q=%ED%A0%80",
        "/api/v1/search?q=%FF%FE",
        "/api/v1/search?q=%00abc",
        "/api/v1/articles/by-slug/%ED%A0%80",
        "/api/v1/articles/by-slug/%00",
        "/api/v1/articles?cursor=%ED%A0%80",
    ],
)
async def test_broken_encoding_is_4xx(articles_client: httpx.AsyncClient, url: str) -> None:
    r = await articles_client.get(url)
    assert 400 <= r.status_code < 500, r.text
