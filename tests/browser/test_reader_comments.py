# ruff: noqa: RUF001 - Chinese text with full-width punctuation on purpose
"""What a reader is told about comments: the section's real policy, and what became of spam."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.helpers import api, fresh_article
from tests.conftest import BROWSER_UA, Content
from tests.stack import Platform

pytestmark = pytest.mark.browser


def test_comment_box_says_what_the_section_does_and_spam_is_held_or_refused(
    platform: Platform, content: Content, browser: Browser, screenshots: Path
) -> None:
    base = platform.gateway
    with api(base, "editor") as editor:
        created = editor.post("/api/v1/sections", json={"name": "快评", "comment_policy": "post"})
        created.raise_for_status()
    open_article = fresh_article(
        base, content, "即时发表栏目的文章", section_id=created.json()["id"]
    )
    context = browser.new_context(user_agent=BROWSER_UA, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/articles/{content.article_ids[1]}")
    expect(page.locator("#comment-rule")).to_have_text("需审核后才会公布")
    page.goto(f"{base}/articles/{open_article}")
    expect(page.locator("#comment-rule")).to_have_text("评论即时发表，违规内容会被删除")

    page.fill("#nickname", "刷屏者")
    page.fill("#comment-body", "顶" * 20)
    page.click("#comment-form button[type=submit]")
    expect(page.locator("#comments .flash")).to_have_text("评论未通过审核。")
    page.fill("#nickname", "推广员")
    page.fill("#comment-body", "加我领红包 ｗｗｗ．ｈｏｎｇｂａｏ．ｃｏｍ 先到先得")
    page.click("#comment-form button[type=submit]")
    expect(page.locator("#comments .flash")).to_contain_text("审核通过后显示")
    expect(page.locator(".comment-list")).not_to_contain_text("先到先得")
    page.fill("#nickname", "读者甲")
    page.fill("#comment-body", "这个栏目的评论即时可见，很方便。")
    page.click("#comment-form button[type=submit]")
    expect(page.locator("#comments .flash")).to_have_text("评论已发表。")
    deadline = time.monotonic() + 10
    while "即时可见" not in page.locator(".comment-list").inner_text():
        assert time.monotonic() < deadline, "the published comment never showed"
        page.wait_for_timeout(300)  # the approval event invalidates the cached page
        page.reload()
    context.close()


def test_a_refused_comment_is_explained_in_chinese_and_keeps_its_text(
    platform: Platform, content: Content, browser: Browser, screenshots: Path
) -> None:
    base = platform.gateway
    # without the page's script the counter cannot stop the post: the service refuses it
    context = browser.new_context(
        user_agent=BROWSER_UA, viewport={"width": 390, "height": 844}, java_script_enabled=False
    )
    page = context.new_page()
    page.goto(f"{base}/articles/{content.article_ids[2]}")
    typed = "城市更新要听取居民的意见" * 21  # 252 characters
    page.fill("#nickname", "话多的读者")
    page.fill("#comment-body", typed)
    page.click("#comment-form button[type=submit]")
    expect(page.locator("h1")).to_have_text("评论未提交")
    expect(page.locator("#refusal")).to_have_text("评论超过了字数上限，请删减后再提交。")
    expect(page.locator("#comment-body")).to_have_value(typed)
    expect(page.locator("#nickname")).to_have_value("话多的读者")
    page.screenshot(path=str(screenshots / "comment-refused-390.png"), full_page=True)
    page.fill("#comment-body", "城市更新要听取居民的意见。")
    page.click("#comment-form button[type=submit]")
    expect(page.locator("#comments .flash")).to_contain_text("审核通过后显示")
    context.close()
