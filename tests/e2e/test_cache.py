"""Caching at the gateway: hit/miss, ETag/304, private bypass, single-flight, invalidation."""

from __future__ import annotations

import asyncio
import time

import httpx

from tests.conftest import BROWSER_UA, Content, login
from tests.e2e.helpers import client, metric, poll
from tests.stack import Platform


def _new_article(base: str, section_id: int, title: str) -> int:
    with client(base, token=login(base, "editor")) as editor:
        created = editor.post(
            "/api/v1/articles",
            json={
                "section_id": section_id,
                "title": title,
                "body_html": "<p>正文</p>",
            },
        )
        created.raise_for_status()
        article_id = int(created.json()["id"])
        editor.post(f"/api/v1/articles/{article_id}/publish").raise_for_status()
    poll(lambda: httpx.get(f"{base}/api/v1/articles/{article_id}/related").status_code == 200)
    return article_id


def test_miss_then_hit_then_not_modified(platform: Platform, content: Content) -> None:
    with client(platform.gateway) as gw:
        path = f"/api/v1/sections/{content.subsection_id}/articles"
        first = gw.get(path, params={"limit": "7"})
        second = gw.get(path, params={"limit": "7"})
        again = gw.get(
            path, params={"limit": "7"}, headers={"if-none-match": second.headers["etag"]}
        )
    assert first.headers["x-cache"] == "MISS"
    assert second.headers["x-cache"] == "HIT"
    assert second.content == first.content
    assert "public" in second.headers["cache-control"]
    assert "stale-while-revalidate" in second.headers["cache-control"]
    assert again.status_code == 304
    assert again.content == b""


def test_cached_article_page_is_served_with_etag(platform: Platform, content: Content) -> None:
    with client(platform.gateway) as gw:
        page = poll(
            lambda: (
                (r := gw.get(f"/articles/{content.article_ids[0]}")).headers.get("x-cache") == "HIT"
                and r
            )
        )
        revalidated = gw.get(
            f"/articles/{content.article_ids[0]}", headers={"if-none-match": page.headers["etag"]}
        )
    assert revalidated.status_code in {200, 304}  # 200 only if the read count moved meanwhile
    if revalidated.status_code == 304:
        assert revalidated.content == b""


def test_logged_in_readers_bypass_shared_caches(platform: Platform, content: Content) -> None:
    token = login(platform.gateway, "reader")
    with client(platform.gateway, token=token) as gw:
        response = gw.get(f"/api/v1/articles/{content.article_ids[0]}")
        me = gw.get("/api/v1/auth/me")
    assert response.headers["cache-control"] == "private, no-store"
    assert response.headers["x-cache"] == "MISS"
    assert me.headers["cache-control"] == "private, no-store"
    assert me.json()["username"] == "reader"


async def test_one_upstream_fetch_under_a_burst(platform: Platform, content: Content) -> None:
    article = _new_article(platform.gateway, content.subsection_id, "并发请求只回源一次")
    before = metric(platform.gateway, "gateway_upstream_calls_total", upstream="articles")
    async with httpx.AsyncClient(
        base_url=platform.gateway, timeout=10, headers={"user-agent": BROWSER_UA}
    ) as gw:
        answers = await asyncio.gather(
            *(
                gw.get(f"/api/v1/articles/{article}/related", params={"limit": "3"})
                for _ in range(50)
            )
        )
    after = metric(platform.gateway, "gateway_upstream_calls_total", upstream="articles")
    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1
    assert after - before == 1


def test_edited_article_is_visible_within_a_second(platform: Platform, content: Content) -> None:
    article = _new_article(platform.gateway, content.subsection_id, "原标题")
    with client(platform.gateway) as gw:
        gw.get(f"/api/v1/articles/{article}")
        assert gw.get(f"/api/v1/articles/{article}").headers["x-cache"] == "HIT"
        with client(platform.gateway, token=login(platform.gateway, "editor")) as editor:
            editor.patch(f"/api/v1/articles/{article}", json={"title": "新标题"}).raise_for_status()
        edited = time.monotonic()
        poll(
            lambda: gw.get(f"/api/v1/articles/{article}").json()["title"] == "新标题",
            timeout=5,
            every=0.02,
        )
        page = poll(
            lambda: "新标题" in (r := gw.get(f"/articles/{article}")).text and r,
            timeout=5,
            every=0.02,
        )
    elapsed = time.monotonic() - edited
    assert page.status_code == 200
    assert elapsed < 1.5, f"edit took {elapsed:.2f}s to show"
