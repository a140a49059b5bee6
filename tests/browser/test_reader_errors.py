# ruff: noqa: RUF001 - Chinese text with full-width punctuation on purpose
"""Errors a reader meets in a browser: Chinese pages in the site's layout, never raw JSON."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.helpers import login_page
from tests.conftest import BROWSER_UA, Content
from tests.stack import Platform

pytestmark = pytest.mark.browser
PAGE_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture(scope="module")
def tight_gateway(platform: Platform) -> Iterator[str]:
    """A gateway copy with tight limits in a rate-limit namespace of its own."""
    copy = platform.extra_gateway(
        "gateway-tight-pages",
        GATEWAY_REDIS_PREFIX=f"t{platform.uid}:tightpages",
        GATEWAY_RATE_COMMENT_PER_MINUTE="2",
        GATEWAY_RATE_READ_PER_MINUTE="12",
    )
    try:
        assert copy.url is not None
        yield copy.url
    finally:
        platform.stop(copy.name)


def _inside_one_window(seconds_needed: float = 20) -> None:
    """Limits count per clock minute: start a sequence only with enough of the minute left."""
    while time.time() % 60 > 60 - seconds_needed:
        time.sleep(0.2)


def _error_page(page: Page, url: str, status: int, title: str) -> None:
    answer = page.goto(url)
    assert answer is not None
    assert answer.status == status, f"{url}: {answer.status}"
    assert answer.headers["content-type"].startswith("text/html")
    expect(page.locator("main h1")).to_have_text(title)
    expect(page.locator("header.site-header .logo")).to_be_visible()  # the site's layout
    expect(page.locator("footer.site-footer")).to_be_visible()
    assert "{" not in page.locator("main").inner_text()  # no JSON leaks into the page


def test_every_error_a_browser_sees_is_a_chinese_page(
    platform: Platform, content: Content, browser: Browser, screenshots: Path
) -> None:
    base = platform.gateway
    context = browser.new_context(user_agent=BROWSER_UA, viewport={"width": 390, "height": 844})
    page = context.new_page()
    _error_page(page, f"{base}/no-such-page/here", 404, "页面不存在")
    expect(page.locator("nav.main-nav")).to_contain_text("测试新闻")  # the nav, sections and all
    page.screenshot(path=str(screenshots / "error-404-390.png"), full_page=True)
    _error_page(page, f"{base}/articles/abc", 422, "地址有误")
    expect(page.locator("main")).to_contain_text("文章编号不正确")
    _error_page(page, f"{base}/articles/999999999", 404, "页面不存在")
    _error_page(page, f"{base}/sections/{content.section_id}?page=0", 422, "地址有误")
    expect(page.locator("main")).to_contain_text("页码应为 1 到 1000 之间的整数")
    page.screenshot(path=str(screenshots / "error-422-390.png"), full_page=True)
    # a logged-in reader keeps their header on an error page
    login_page(page, base, "reader")
    _error_page(page, f"{base}/sections/{content.section_id}?page=1001", 422, "地址有误")
    expect(page.locator(".account .hello")).to_contain_text("reader")
    context.close()

    # the API keeps answering JSON, whatever the client accepts
    for path in ("/api/v1/no-such-thing", "/api/v1/articles/abc"):
        answer = httpx.get(
            f"{base}{path}", headers={"accept": PAGE_ACCEPT, "user-agent": BROWSER_UA}, timeout=10
        )
        assert answer.status_code in {404, 422}
        assert answer.headers["content-type"].startswith("application/json")
        assert "error" in answer.json()
    # a client that does not ask for HTML gets JSON on page paths too
    plain = httpx.get(f"{base}/articles/abc", timeout=10)
    assert plain.status_code == 422
    assert plain.json()["error"] == "invalid_input"


def test_a_comment_over_the_rate_limit_is_refused_in_chinese_and_keeps_its_text(
    tight_gateway: str, content: Content, browser: Browser, screenshots: Path
) -> None:
    _inside_one_window(30)
    context = browser.new_context(user_agent=BROWSER_UA, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{tight_gateway}/articles/{content.article_ids[0]}")
    first_two = ("城市更新要先听居民的意见。", "老旧小区加装电梯的进度怎么样了？")
    for n, text in enumerate(first_two, start=1):  # the copy takes two a minute from one address
        page.fill("#nickname", f"急性子{n}")
        page.fill("#comment-body", text)
        page.click("#comment-form button[type=submit]")
        expect(page.locator("#comments .flash")).to_contain_text("审核通过后显示")
    typed = "社区建设需要大家一起参与，希望多办几场议事会。"
    page.fill("#nickname", "急性子3")
    page.fill("#comment-body", typed)
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.click("#comment-form button[type=submit]")
    assert posted.value.status == 429
    expect(page.locator("main h1")).to_have_text("评论未提交")
    expect(page.locator("#refusal")).to_contain_text("评论太频繁了，请等")
    expect(page.locator("#refusal")).to_contain_text("秒后再提交")
    expect(page.locator("#comment-body")).to_have_value(typed)
    expect(page.locator("#nickname")).to_have_value("急性子3")
    page.screenshot(path=str(screenshots / "comment-rate-limited-390.png"), full_page=True)
    context.close()
    # the API keeps its JSON answer
    answer = httpx.post(
        f"{tight_gateway}/api/v1/articles/{content.article_ids[0]}/comments",
        json={"body": "接口限流检查", "nickname": "接口"},
        headers={"user-agent": BROWSER_UA},
        timeout=10,
    )
    assert answer.status_code == 429
    assert answer.json()["error"] == "rate_limited"


def test_a_reader_over_the_read_limit_gets_a_chinese_page(
    tight_gateway: str, content: Content
) -> None:
    _inside_one_window()
    headers = {"accept": PAGE_ACCEPT, "user-agent": BROWSER_UA}
    with httpx.Client(base_url=tight_gateway, headers=headers, timeout=10) as reader:
        statuses = [reader.get(f"/sections/{content.section_id}").status_code for _ in range(16)]
        assert statuses[0] == 200
        assert statuses[-1] == 429
        refused = reader.get(f"/articles/{content.article_ids[0]}")
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("text/html")
    assert int(refused.headers["retry-after"]) >= 1
    assert "访问过于频繁" in refused.text
    assert f"请 {refused.headers['retry-after']} 秒后再试" in refused.text
    api = httpx.get(
        f"{tight_gateway}/api/v1/sections", headers={"user-agent": BROWSER_UA}, timeout=10
    )
    assert api.status_code == 429
    assert api.json()["error"] == "rate_limited"
