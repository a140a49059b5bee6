"""What the browser tests share: logging in, fresh articles, comments posted through the gateway."""

from __future__ import annotations

import time
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.conftest import BROWSER_UA, PASSWORDS, Content, login


def login_page(page: Page, base: str, username: str, next_path: str = "/") -> None:
    """Log in through the form, as a person would."""
    page.goto(f"{base}/login?next={next_path}")
    page.fill("#username", username)
    page.fill("#password", PASSWORDS[username])
    page.click("form.auth-form button[type=submit]")
    expect(page.locator(".account .hello")).to_contain_text(username)


def api(base: str, username: str | None = None) -> httpx.Client:
    """A gateway API client, logged in as ``username`` when given."""
    headers = {"user-agent": BROWSER_UA}
    if username:
        headers["authorization"] = f"Bearer {login(base, username)}"
    return httpx.Client(base_url=base, headers=headers, timeout=10)


def fresh_article(
    base: str, content: Content, title: str, body_html: str = "", section_id: int | None = None
) -> int:
    """A newly published article that the comments service already accepts comments on."""
    with api(base, "editor") as editor:
        created = editor.post(
            "/api/v1/articles",
            json={
                "section_id": section_id or content.subsection_id,
                "title": title,
                "summary": "审核台测试文章。",
                "body_html": body_html or "<p>城市更新是一项系统工程。</p>",
                "source": "新闻中心",
                "author": "记者 李明",
                "tags": ["城市"],
            },
        )
        created.raise_for_status()
        article_id = int(created.json()["id"])
        editor.post(f"/api/v1/articles/{article_id}/publish").raise_for_status()
    _wait_for_comments(base, article_id)
    return article_id


def _wait_for_comments(base: str, article_id: int) -> None:
    """Probe with throwaway comments until the comments service knows the article; clear them."""
    deadline = time.monotonic() + 20
    probes = []
    while time.monotonic() < deadline:
        probe = post_comment(
            base, article_id, f"探测评论 {len(probes)}号甲乙", ua_tag=f"probe{time.time()}"
        )
        probes.append(probe["id"])
        if "article_missing" not in probe["reasons"]:
            break
        time.sleep(0.2)
    else:
        raise AssertionError(f"comments never learnt of article {article_id}")
    with api(base, "admin") as admin:
        decisions = [{"comment_id": i, "decision": "reject", "reason": "探测"} for i in probes]
        admin.post("/api/v1/moderation/decisions", json={"decisions": decisions}).raise_for_status()


def post_comment(
    base: str, article_id: int, body: str, *, ua_tag: str, token: str | None = None
) -> dict[str, Any]:
    """A comment from its own client (its own user agent) through the gateway's API."""
    headers = {"user-agent": f"{BROWSER_UA} {ua_tag}"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    payload: dict[str, Any] = (
        {"body": body} if token else {"body": body, "nickname": "网友" + ua_tag}
    )
    answer = httpx.post(
        f"{base}/api/v1/articles/{article_id}/comments", json=payload, headers=headers, timeout=10
    )
    assert answer.status_code == 202, answer.text
    result: dict[str, Any] = answer.json()
    return result
