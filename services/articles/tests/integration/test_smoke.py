"""The vertical slice: section, draft, publish, read by id and slug."""

from __future__ import annotations

import httpx

from .conftest import ArticlesApi


async def test_create_publish_read(api: ArticlesApi, articles_client: httpx.AsyncClient) -> None:
    section = await api.section("新闻中心")
    article_id = await api.draft(section["id"], "学习型组织建设", source="新华社", author="李明")
    assert (await articles_client.get(f"/api/v1/articles/{article_id}")).status_code == 404
    assert (await api.act(article_id, "publish")).status_code == 200
    r = await articles_client.get(f"/api/v1/articles/{article_id}")
    assert r.status_code == 200
    body = r.json()
    assert body["slug"] == f"xue-xi-xing-zu-zhi-jian-she-{article_id}"
    assert body["source"] == "新华社"
    assert body["author"] == "李明"
    assert body["published_at"].endswith("Z")
    by_slug = await articles_client.get(f"/api/v1/articles/by-slug/{body['slug']}")
    assert by_slug.json()["id"] == article_id
