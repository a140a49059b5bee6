"""The vertical slice: section, draft, publish, read."""

from __future__ import annotations

import httpx


async def test_create_publish_read(
    articles_client: httpx.AsyncClient, editor_headers: dict[str, str]
) -> None:
    c = articles_client
    r = await c.post("/api/v1/sections", json={"name": "新闻中心"}, headers=editor_headers)
    assert r.status_code == 201, r.text
    section = r.json()
    r = await c.post(
        "/api/v1/articles",
        json={"section_id": section["id"], "title": "学习型组织建设", "body_html": "<p>正文</p>"},
        headers=editor_headers,
    )
    assert r.status_code == 201, r.text
    article = r.json()
    assert article["status"] == "draft"
    assert (await c.get(f"/api/v1/articles/{article['id']}")).status_code == 404
    r = await c.post(f"/api/v1/articles/{article['id']}/publish", headers=editor_headers)
    assert r.status_code == 200, r.text
    r = await c.get(f"/api/v1/articles/{article['id']}")
    assert r.status_code == 200
    assert r.json()["slug"].startswith("xue-xi-xing-zu-zhi-jian-she-")
