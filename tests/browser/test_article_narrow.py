"""The article page on a 390 px phone: nothing wider than the screen, the nav one row."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.conftest import BROWSER_UA, Content, login
from tests.stack import Platform

pytestmark = pytest.mark.browser
LONG = "https://example.invalid/" + "x" * 120  # a long unbroken string, as pasted links are


def _article_with_long_strings(base: str, section_id: int) -> int:
    headers = {"authorization": f"Bearer {login(base, 'editor')}", "user-agent": BROWSER_UA}
    with httpx.Client(base_url=base, headers=headers, timeout=10) as client:
        created = client.post(
            "/api/v1/articles",
            json={
                "section_id": section_id,
                "title": f"窄屏测试 {'W' * 60}",
                "summary": "窄屏上的长字符串。",
                "body_html": f"<p>原文链接 {LONG}</p><p>{'长' * 300}</p>",
                "source": "新闻中心",
                "author": "记者",
                "tags": ["窄屏"],
            },
        )
        created.raise_for_status()
        article_id = int(created.json()["id"])
        client.post(f"/api/v1/articles/{article_id}/publish").raise_for_status()
    return article_id


def test_the_article_page_fits_a_390px_screen(
    platform: Platform, content: Content, browser: Browser, screenshots: Path
) -> None:
    base = platform.gateway
    article = _article_with_long_strings(base, content.section_id)
    context = browser.new_context(user_agent=BROWSER_UA, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{base}/articles/{article}")
    expect(page.locator("#article-title")).to_contain_text("窄屏测试")
    expect(page.locator(".news-list, .rank-list").first).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the article page is {width}px wide at 390px"
    nav = page.locator("nav.main-nav ul").bounding_box()
    link = page.locator("nav.main-nav a").first.bounding_box()
    assert nav is not None
    assert link is not None
    assert nav["height"] <= link["height"] * 1.5, f"the nav takes {nav['height']}px: not one row"
    page.screenshot(path=str(screenshots / "article-390.png"), full_page=True)
    page.goto(f"{base}/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the home page is {width}px wide at 390px"
    context.close()
