"""A reader and a moderator in real (headless) Chromium, through the gateway's pages."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import BROWSER_UA, PASSWORDS, Content
from tests.stack import Platform

pytestmark = pytest.mark.browser
COMMENT = "城市更新要听取居民意见 👍🏽"


def _login(page: Page, base: str, username: str, next_path: str = "/") -> None:
    page.goto(f"{base}/login?next={next_path}")
    page.fill("#username", username)
    page.fill("#password", PASSWORDS[username])
    page.click("form.auth-form button[type=submit]")
    expect(page.locator(".account .hello")).to_contain_text(username)


def _read_count(page: Page) -> int:
    text = page.locator("#read-count").inner_text().strip()
    return int(text) if text.isdigit() else -1


def _reader_posts_a_comment(page: Page, base: str, content: Content, shots: Path) -> None:
    page.goto(f"{base}/")
    expect(page.locator("#latest-title")).to_be_visible()
    page.screenshot(path=str(shots / "home.png"), full_page=True)
    page.click(f"nav.main-nav a[href='/sections/{content.section_id}']")
    expect(page.locator("h1.section-title")).to_have_text("测试新闻")
    page.screenshot(path=str(shots / "section.png"), full_page=True)
    page.locator(".news-list a").first.click()
    expect(page.locator(".breadcrumbs")).to_contain_text("正文")
    first = _read_count(page)
    deadline = time.monotonic() + 15
    while _read_count(page) <= first and time.monotonic() < deadline:
        page.wait_for_timeout(600)  # each reload is a new read once the dedup window passed
        page.reload()
    assert _read_count(page) > first, "read count did not rise"
    page.fill("#comment-body", COMMENT)
    # 👍🏽 (thumbs up with a skin tone) is one user-perceived character
    expect(page.locator("#comment-counter")).to_contain_text("已输入 13 字")
    page.screenshot(path=str(shots / "article.png"), full_page=True)
    page.click("#comment-form button[type=submit]")
    expect(page.locator(".flash")).to_contain_text("审核通过后显示")
    expect(page.locator(".comment-list")).not_to_contain_text(COMMENT)


def _moderator_approves(browser: Browser, base: str, shots: Path) -> None:
    context = browser.new_context(user_agent=BROWSER_UA, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _login(page, base, "moderator", "/moderation")
    expect(page.locator("h1")).to_have_text("评论审核台")
    card = page.locator(".card", has_text=COMMENT)
    expect(card).to_have_count(1)
    page.screenshot(path=str(shots / "moderation.png"), full_page=True)
    card.locator(".btn-approve").click()
    expect(page.locator("#desk-status")).to_contain_text("已通过 1 条")
    context.close()


def test_reader_comment_is_approved_and_shown(
    platform: Platform, content: Content, browser: Browser, screenshots: Path
) -> None:
    base = platform.gateway
    context = browser.new_context(user_agent=BROWSER_UA, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _login(page, base, "reader")
    _reader_posts_a_comment(page, base, content, screenshots)
    article_url = page.url.split("?")[0]
    _moderator_approves(browser, base, screenshots)
    page.goto(article_url)
    expect(page.locator(".comment-list")).to_contain_text(COMMENT, timeout=5000)
    page.screenshot(path=str(screenshots / "article-approved.png"), full_page=True)
    context.close()


def test_counter_and_staff_pages_render(
    platform: Platform, content: Content, browser: Browser, screenshots: Path
) -> None:
    base = platform.gateway
    context = browser.new_context(user_agent=BROWSER_UA, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{base}/articles/{content.article_ids[0]}")
    page.fill("#nickname", "访客")
    page.fill("#comment-body", "长" * 251)
    expect(page.locator("#comment-counter")).to_contain_text("已超出 1 字")
    expect(page.locator("#comment-form button[type=submit]")).to_be_disabled()
    page.goto(f"{base}/login")
    page.screenshot(path=str(screenshots / "login.png"))
    _login(page, base, "admin")
    for name, path in (("editor", "/editor/new"), ("ops", "/ops"), ("search", "/search?q=城市")):
        page.goto(f"{base}{path}")
        expect(page.locator("h1").first).to_be_visible()
        page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)
    page.goto(f"{base}/articles/{content.article_ids[0]}/print")
    page.screenshot(path=str(screenshots / "print.png"), full_page=True)
    assert not [e for e in errors if re.search("Content Security Policy", e)], errors
    context.close()
