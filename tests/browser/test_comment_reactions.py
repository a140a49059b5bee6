"""Readers like and report comments on the article page; the report reaches the desk."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.helpers import api, fresh_article, post_comment
from tests.conftest import BROWSER_UA, Content
from tests.stack import Platform

pytestmark = pytest.mark.browser
BODY = "这条评论用来测试点赞和举报"


def _approved(base: str, article_id: int) -> int:
    posted = post_comment(base, article_id, BODY, ua_tag="reactions")
    with api(base, "admin") as admin:
        decision = {"comment_id": posted["id"], "decision": "approve"}
        admin.post(
            "/api/v1/moderation/decisions", json={"decisions": [decision]}
        ).raise_for_status()
    return int(posted["id"])


def _open_with_comment(page: Page, url: str, comment_id: int) -> None:
    deadline = time.monotonic() + 30
    page.goto(url)
    while page.locator(f"#comment-{comment_id}").count() == 0:
        assert time.monotonic() < deadline, "the approved comment never showed"
        page.wait_for_timeout(500)  # the cached page is dropped by the approval event
        page.goto(url)


def test_a_reader_likes_and_reports_a_comment(
    platform: Platform, content: Content, browser: Browser, screenshots: Path
) -> None:
    base = platform.gateway
    article_id = fresh_article(base, content, "评论互动测试文章")
    comment_id = _approved(base, article_id)
    url = f"{base}/articles/{article_id}"
    context = browser.new_context(user_agent=BROWSER_UA, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _open_with_comment(page, url, comment_id)
    comment = page.locator(f"#comment-{comment_id}")
    like = comment.locator("form[action$='/like'] button").first
    expect(like.locator(".count")).to_have_text("0")
    like.click()
    expect(like.locator(".count")).to_have_text("1")  # answered in place, no reload
    like.click()
    expect(like.locator(".count")).to_have_text("1")  # the same visitor counts once
    comment.locator("details.report summary").first.click()
    comment.locator("details.report select[name=reason]").first.select_option("spam")
    comment.locator("details.report button[type=submit]").first.click()
    expect(page.locator(".flash")).to_contain_text("已收到举报")
    page.screenshot(path=str(screenshots / "comment-reported.png"), full_page=False)
    context.close()
    with api(base, "moderator") as moderator:
        queue = moderator.get("/api/v1/moderation/queue", params={"status": "reported"})
        queue.raise_for_status()
        assert comment_id in [item["id"] for item in queue.json()["items"]]
    with api(base, "reader") as reader:
        refused = reader.post(
            f"/comments/{comment_id}/report",
            data={"article_id": str(article_id), "reason": "nonsense"},
        )
    assert refused.status_code in {403, 422}  # no CSRF token, and no such reason
