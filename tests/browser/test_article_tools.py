# ruff: noqa: RUF001 - Chinese text with full-width punctuation on purpose
"""The article page's tools: 评论(N条), dated 热门文章, 收藏 with its state, undo and 我的收藏."""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.helpers import api, fresh_article, login_page, post_comment
from tests.conftest import BROWSER_UA, Content
from tests.stack import Platform

pytestmark = pytest.mark.browser
TITLE = "收藏测试：老街巷的微更新"


def _approved_comment(base: str, article_id: int) -> None:
    posted = post_comment(base, article_id, "老街巷改得很用心，点赞。", ua_tag="tools1")
    with api(base, "admin") as admin:
        decision = {"comment_id": posted["id"], "decision": "approve"}
        admin.post(
            "/api/v1/moderation/decisions", json={"decisions": [decision]}
        ).raise_for_status()


def _reload_until(page: Page, url: str, selector: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    page.goto(url)
    while page.locator(selector).count() == 0:
        assert time.monotonic() < deadline, f"{selector} never appeared on {url}"
        page.wait_for_timeout(500)  # cached pages and counts catch up within seconds
        page.goto(url)


def test_comment_link_hot_dates_and_favourites(
    platform: Platform, content: Content, browser: Browser, screenshots: Path
) -> None:
    base = platform.gateway
    article_id = fresh_article(base, content, TITLE)
    _approved_comment(base, article_id)
    url = f"{base}/articles/{article_id}"

    anonymous = browser.new_context(user_agent=BROWSER_UA, viewport={"width": 1280, "height": 900})
    page = anonymous.new_page()
    _reload_until(page, url, ".comment-list .comment")
    link = page.locator(".article-tools a.comment-link")
    expect(link).to_have_text("评论(1条)")
    link.click()
    assert page.url.endswith("#comments")
    expect(page.locator(".account")).not_to_contain_text("我的收藏")
    page.goto(f"{base}/favourites")
    assert "/login?next=/favourites" in page.url
    # the hot list shows each article's publishing date (month-day, Beijing time)
    _reload_until(page, f"{base}/", ".rank-list li a")
    for item in page.locator(".rank-list li").all():
        expect(item.locator("time")).to_have_text(re.compile(r"^\d{2}-\d{2}$"))
    anonymous.close()

    context = browser.new_context(user_agent=BROWSER_UA, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    login_page(page, base, "reader", f"/articles/{article_id}")
    expect(page.locator("#favourite-form button")).to_have_text("收藏 0")
    page.click("#favourite-form button")
    expect(page.locator("#favourite-state")).to_have_text("已收藏 1")
    page.screenshot(path=str(screenshots / "article-favourited.png"))
    page.reload()  # the state is the reader's, not the click's
    expect(page.locator("#favourite-state")).to_have_text("已收藏 1")
    page.click("#favourite-form button:has-text('取消收藏')")  # undo on the article page
    expect(page.locator("#favourite-form button")).to_have_text("收藏 0")
    page.click("#favourite-form button")

    page.click(".account a:has-text('我的收藏')")
    expect(page.locator("main h1")).to_have_text("我的收藏")
    entry = page.locator(".favourites li", has_text=TITLE)
    expect(entry).to_have_count(1)
    page.screenshot(path=str(screenshots / "favourites.png"), full_page=True)
    entry.locator("button:has-text('取消收藏')").click()
    expect(page.locator(".flash")).to_have_text("已取消收藏。")
    expect(page.locator(".favourites li", has_text=TITLE)).to_have_count(0)
    page.goto(url)
    expect(page.locator("#favourite-form button")).to_have_text("收藏 0")
    context.close()

    # the API behind the page: the bearer's own favourites, logged in only
    with api(base, "reader") as reader:
        reader.post(f"/api/v1/articles/{article_id}/favourite").raise_for_status()
        mine = reader.get("/api/v1/favourites").json()
        assert [it["id"] for it in mine["items"]][:1] == [article_id]
        assert mine["total"] >= 1
        assert reader.get("/api/v1/favourites?page=0").status_code == 422
        reader.delete(f"/api/v1/articles/{article_id}/favourite").raise_for_status()
    with api(base, "editor") as editor:  # another reader's list is their own
        theirs = editor.get("/api/v1/favourites").json()["items"]
        assert article_id not in [it["id"] for it in theirs]
    anonymous_api = httpx.get(f"{base}/api/v1/favourites", timeout=10)
    assert anonymous_api.status_code == 401
