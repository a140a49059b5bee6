"""With analytics or comments stopped, the article page still renders fast (runs last)."""

from __future__ import annotations

import time

import httpx

from tests.conftest import Content, login
from tests.e2e.helpers import client, poll
from tests.stack import Platform


def _fresh_article(platform: Platform, section_id: int, title: str) -> int:
    """A published article the gateway has never fetched anything for."""
    base = platform.gateway
    with client(base, token=login(base, "editor")) as editor:
        created = editor.post(
            "/api/v1/articles",
            json={"section_id": section_id, "title": title, "body_html": "<p>降级测试</p>"},
        )
        article_id = int(created.json()["id"])
        editor.post(f"/api/v1/articles/{article_id}/publish").raise_for_status()
    direct = platform.url("articles")
    poll(lambda: httpx.get(f"{direct}/api/v1/articles/{article_id}").status_code == 200)
    return article_id


def _timed_page(base: str, article_id: int) -> tuple[float, httpx.Response]:
    started = time.monotonic()
    with client(base) as gw:
        page = gw.get(f"/articles/{article_id}")
    return time.monotonic() - started, page


def test_page_renders_without_analytics_and_comments(platform: Platform, content: Content) -> None:
    base = platform.gateway
    without_analytics = _fresh_article(platform, content.subsection_id, "分析服务停机时的文章")
    without_comments = _fresh_article(platform, content.subsection_id, "评论服务停机时的文章")
    platform.stop("analytics")
    try:
        elapsed, page = _timed_page(base, without_analytics)
        assert page.status_code == 200
        assert "分析服务停机时的文章" in page.text
        assert 'id="read-count">暂不可用' in page.text
        assert elapsed < 1.0, f"page took {elapsed:.2f}s"
        api = httpx.get(f"{base}/api/v1/articles/{without_analytics}", timeout=5).json()
        assert api["reads"] is None
        assert "reads" in api["unavailable"]
    finally:
        platform.restart("analytics")
        _until_routed_again(platform, "/api/v1/hot")
    platform.stop("comments")
    try:
        elapsed, page = _timed_page(base, without_comments)
        assert page.status_code == 200
        assert "评论暂时不可用" in page.text
        assert elapsed < 1.0, f"page took {elapsed:.2f}s"
    finally:
        platform.restart("comments")
        _until_routed_again(platform, "/api/v1/comments/latest")


def test_gateway_answers_503_when_articles_is_down(platform: Platform) -> None:
    platform.stop("articles")
    try:
        with client(platform.gateway) as gw:
            response = gw.get("/api/v1/sections/999999")
            page = gw.get("/articles/999999")
        assert response.status_code == 503
        assert response.json()["error"] == "upstream_unavailable"
        assert page.status_code == 503
        assert "服务暂时不可用" in page.text
    finally:
        platform.restart("articles")
        _until_routed_again(platform, "/api/v1/sections")


def _until_routed_again(platform: Platform, path: str) -> None:
    """Wait out the open circuit: the next tests need the service through the gateway."""
    # with a token the answer cannot come from the cache: a 200 proves the circuit closed
    headers = {"authorization": f"Bearer {login(platform.gateway, 'reader')}"}
    poll(
        lambda: (
            httpx.get(f"{platform.gateway}{path}", headers=headers, timeout=5).status_code == 200
        ),
        timeout=20,
        every=0.2,
    )
