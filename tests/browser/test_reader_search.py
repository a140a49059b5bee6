# ruff: noqa: RUF001 - Chinese text with full-width punctuation on purpose
"""Search as a reader types it: stop words get advice, one character finds its words."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.helpers import fresh_article
from tests.conftest import BROWSER_UA, Content
from tests.stack import Platform

pytestmark = pytest.mark.browser


def test_stop_words_get_advice_and_one_character_finds_articles(
    platform: Platform, content: Content, browser: Browser, screenshots: Path
) -> None:
    base = platform.gateway
    bamboo = fresh_article(
        base,
        content,
        "竹林深处的琴声",
        body_html="<p>独坐幽篁里，弹琴复长啸。</p>",
    )
    context = browser.new_context(user_agent=BROWSER_UA, viewport={"width": 1280, "height": 900})
    page = context.new_page()

    answer = page.goto(f"{base}/search?q=的")
    assert answer is not None
    assert answer.status == 200
    expect(page.locator("#search-problem")).to_contain_text("常用字词不参与搜索")
    expect(page.locator("main h1")).to_have_text("站内搜索")
    page.screenshot(path=str(screenshots / "search-stop-words.png"), full_page=True)
    page.fill("#q", "的 了 和")
    page.click(".search-page-form button[type=submit]")
    expect(page.locator("#search-problem")).to_be_visible()

    # 城 only ever appears inside words (城市更新); each of the session's articles has it
    page.goto(f"{base}/search?q=城")
    for article_id in content.article_ids:
        expect(page.locator(f".news-list a[href='/articles/{article_id}']")).to_have_count(1)
    expect(page.locator(".news-list li a mark").first).to_have_text("城")
    # 篁 is found inside 幽篁, a word the segmenter keeps whole
    page.goto(f"{base}/search?q=篁")
    expect(page.locator(f".news-list a[href='/articles/{bamboo}']")).to_have_count(1)
    expect(page.locator(".news-list .summary mark").first).to_have_text("篁")
    page.screenshot(path=str(screenshots / "search-one-character.png"), full_page=True)
    context.close()
