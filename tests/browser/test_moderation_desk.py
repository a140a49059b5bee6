# ruff: noqa: RUF001 - Chinese text with full-width punctuation on purpose
"""The moderation desk in real Chromium: a shift cleared from the keyboard, a queue that updates."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.helpers import api, fresh_article, login_page, post_comment
from tests.conftest import BROWSER_UA, Content, login
from tests.stack import Platform

pytestmark = pytest.mark.browser
TOPICS = ["老旧小区改造", "公交线路调整", "社区食堂", "停车难问题", "垃圾分类", "口袋公园",
          "学校周边交通", "夜间噪音", "电梯加装", "菜市场升级"]  # fmt: skip
PAGE_ERRORS: list[str] = []
VIEWS = ["值得推广", "需要听取居民意见", "进度太慢", "做得不错", "还要加强监督"]


def _fifty_comments(base: str, article_id: int) -> list[int]:
    ids = []
    for n in range(50):
        body = f"关于{TOPICS[n % 10]}，我认为{VIEWS[n // 10]}。"
        ids.append(post_comment(base, article_id, body, ua_tag=f"kb{n}")["id"])
    return ids


def _desk(browser: Browser, base: str, width: int, height: int = 900) -> Page:
    context = browser.new_context(
        user_agent=BROWSER_UA, viewport={"width": width, "height": height}
    )
    page = context.new_page()
    page.on("console", lambda m: PAGE_ERRORS.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: PAGE_ERRORS.append(str(e)))
    login_page(page, base, "moderator", "/moderation")
    return page


def _current_id(page: Page) -> str:
    return page.locator(".card.current").get_attribute("data-id") or ""


def _press(page: Page, *keys: str, remaining: int) -> None:
    for key in keys:
        page.keyboard.press(key)
    try:
        expect(page.locator(".card")).to_have_count(remaining)
    except AssertionError as exc:
        status = page.locator("#desk-status").inner_text()
        raise AssertionError(f"after {keys}: desk says {status!r}; {PAGE_ERRORS}") from exc


def test_moderator_clears_fifty_comments_with_the_keyboard(
    platform: Platform, content: Content, browser: Browser, screenshots: Path
) -> None:
    base = platform.gateway
    article = fresh_article(base, content, "审核台键盘测试：社区议事会")
    ids = _fifty_comments(base, article)
    page = _desk(browser, base, 1280)
    page.goto(f"{base}/moderation?article={article}")
    expect(page.locator(".card")).to_have_count(50)
    expect(page.locator("#queue-total")).to_have_text("50")
    assert _current_id(page) == str(ids[0])  # the oldest comes first and has the focus

    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    assert _current_id(page) == str(ids[1])
    page.keyboard.press("k")
    skipped = _current_id(page)
    page.keyboard.press("s")  # skip the first one: it stays for later
    assert _current_id(page) == str(ids[1])
    remaining = 50
    for n in range(1, 50):
        remaining -= 1
        if n % 10 == 3:
            _press(page, "r", "1", remaining=remaining)  # reject as 垃圾广告
        elif n == 7:
            _press(page, "b", "1", remaining=remaining)  # suspend the author a day, reject
        else:
            _press(page, "a", remaining=remaining)
    assert _current_id(page) == skipped
    _press(page, "a", remaining=0)
    expect(page.locator("#queue-empty")).to_be_visible()
    expect(page.locator("#desk-status")).to_contain_text("已通过 1 条")

    with api(base, "moderator") as moderator:
        queue = moderator.get("/api/v1/moderation/queue", params={"article": article}).json()
        assert queue["total"] == 0
        audit = moderator.get("/api/v1/moderation/audit", params={"limit": 200}).json()["items"]
        bans = moderator.get("/api/v1/moderation/bans", params={"active": "true"}).json()["items"]
    rejected = {a["comment_id"]: a["reason"] for a in audit if a["action"] == "comment.rejected"}
    assert [rejected.get(ids[n]) for n in (3, 13, 23, 33, 43)] == ["垃圾广告"] * 5
    assert rejected.get(ids[7]) == "作者已被封禁"
    assert any(b["subject_type"] == "client" and b["kind"] == "suspend" for b in bans)
    page.context.close()


def _mixed_queue(base: str, article: int) -> dict[str, int]:
    with api(base, "moderator") as moderator:
        moderator.post(
            "/api/v1/moderation/words", params={"list": "suspect"}, json={"words": ["内幕消息"]}
        ).raise_for_status()
    reader = login(base, "reader")
    bodies = {
        "suspect": "听说有内幕消息，详情看 www.example.com 别错过",
        "disguised": "加我领红包 ｗｗｗ．ｈｏｎｇｂａｏ．ｃｏｍ 先到先得",
        "long": "这篇报道写得很扎实。" * 8
        + "希望有关部门认真听取居民意见，把好事办好、实事办实，也希望媒体持续跟踪报道后续进展。",
        "unbroken": "路线图" + "x" * 80 + " 这串字符不该撑破页面",
    }
    found = {k: post_comment(base, article, v, ua_tag=f"mix-{k}")["id"] for k, v in bodies.items()}
    found["reader"] = post_comment(
        base, article, "我是注册读者，支持社区议事会常态化。", ua_tag="mix-r", token=reader
    )["id"]
    return found


def test_desk_shows_why_updates_itself_and_keeps_filters(
    platform: Platform, content: Content, browser: Browser, screenshots: Path
) -> None:
    base = platform.gateway
    article = fresh_article(base, content, "审核台展示测试：内幕消息与链接")
    found = _mixed_queue(base, article)
    page = _desk(browser, base, 1280)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{base}/moderation?article={article}")
    expect(page.locator(".card")).to_have_count(5)
    suspect = page.locator(f"#card-{found['suspect']}")
    expect(suspect.locator("mark.hit-suspect")).to_have_text("内幕消息可疑词")
    expect(suspect.locator("mark.hit-link")).to_contain_text("www.example.com")
    expect(suspect.locator(".reasons")).to_contain_text("含可疑词")
    expect(suspect.locator(".where")).to_contain_text("审核台展示测试")
    expect(suspect.locator(".where")).to_contain_text("测试新闻 › 国内")
    disguised = page.locator(f"#card-{found['disguised']}")
    expect(disguised.locator(".reasons")).to_contain_text("含伪装链接")
    expect(disguised.locator("mark.hit-disguised_link")).to_be_visible()
    expect(page.locator(f"#card-{found['reader']} .record")).to_contain_text("评论")
    page.screenshot(path=str(screenshots / "desk-1280.png"), full_page=True)

    with api(base, "admin") as admin:
        claim = admin.post("/api/v1/moderation/claims", json={"comment_ids": [found["long"]]})
        assert claim.status_code == 200, claim.text
        admin.post(
            "/api/v1/moderation/decisions",
            json={"decisions": [{"comment_id": found["unbroken"], "decision": "approve"}]},
        ).raise_for_status()
    newcomer = post_comment(base, article, "刚看到这篇，补充一点现场情况。", ua_tag="late")["id"]
    expect(page.locator(f"#card-{newcomer}")).to_be_visible(timeout=10_000)
    expect(page.locator(f"#card-{found['long']}")).to_have_class(
        re.compile(r"\btaken\b"), timeout=10_000
    )
    expect(page.locator(f"#card-{found['long']} .claim")).to_have_text("admin 处理中")
    expect(page.locator(f"#card-{found['unbroken']}")).to_have_count(0, timeout=10_000)

    page.goto(f"{base}/moderation")  # no parameters: the filters are remembered
    expect(page.locator("input[name=article]")).to_have_value(str(article))
    expect(page.locator("#queue-total")).to_have_text("5")
    page.locator(f"#card-{found['reader']} .pick input").check()
    page.click("#bulk button[value=reject]")
    expect(page.locator("#desk-status")).to_have_text("驳回需要填写原因")
    page.click(".claim-form button")
    expect(page.locator("#desk-status")).to_contain_text("已认领 4 条（按当前筛选）")
    assert not [e for e in errors if "Content Security Policy" in e], errors

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.locator(".card").first).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the desk is {width}px wide at 390px"
    page.screenshot(path=str(screenshots / "desk-390.png"), full_page=True)
    page.context.close()
