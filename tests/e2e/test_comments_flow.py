"""A comment through the portal: the after-review notice, approval on the desk, visible in ~1 s."""

from __future__ import annotations

import re
import time

from tests.browser.helpers import api, fresh_article
from tests.conftest import Content
from tests.e2e.helpers import browser_login, client, csrf_of, poll
from tests.stack import Platform


def test_comment_is_held_then_approved_on_the_desk(platform: Platform, content: Content) -> None:
    article = content.article_ids[1]
    with client(platform.gateway, ua="Mozilla/5.0 commenter Chrome/131.0") as reader:
        posted = reader.post(
            f"/articles/{article}/comments",
            data={"body": "这篇报道很有深度👍🏽", "nickname": "热心读者"},
        )
        assert posted.status_code == 303
        assert posted.headers["location"] == f"/articles/{article}?comment=pending#comments"
        notice = reader.get(f"/articles/{article}", params={"comment": "pending"})
        assert "审核通过后显示" in notice.text
        assert "这篇报道很有深度" not in notice.text
    with browser_login(platform.gateway, "moderator") as moderator:
        desk = moderator.get("/moderation")
        cards = r'<article class="card[^"]*" id="card-(\d+)"(.*?)</article>'
        rows = re.findall(cards, desk.text, flags=re.S)
        held = [comment_id for comment_id, row in rows if "这篇报道很有深度" in row]
        assert held, "comment not in the queue"
        decided = moderator.post(
            "/moderation/decisions",
            data={
                "csrf_token": csrf_of(desk.text),
                "decision": "approve",
                "comment_ids": held[0],
            },
        )
        assert decided.status_code == 303
        approved_at = time.monotonic()
    with client(platform.gateway) as reader:
        poll(
            lambda: "这篇报道很有深度" in reader.get(f"/articles/{article}").text,
            timeout=5,
            every=0.02,
        )
    assert time.monotonic() - approved_at < 1.5


def test_too_long_comment_is_refused_with_a_reason(platform: Platform, content: Content) -> None:
    with client(platform.gateway, ua="Mozilla/5.0 long-writer Chrome/131.0") as reader:
        response = reader.post(
            f"/api/v1/articles/{content.article_ids[0]}/comments",
            json={"body": "长" * 251, "nickname": "话痨"},
        )
    assert response.status_code == 422
    assert response.json()["error"] == "too_long"


def test_a_comment_published_at_once_is_on_the_page_the_poster_returns_to(
    platform: Platform, content: Content
) -> None:
    """In a section whose comments are published at once, the page the form sends the poster
    back to already shows the comment: the gateway drops its cached comments of the article
    when the service answers "approved", without waiting for the comment.approved event."""
    with api(platform.gateway, "editor") as editor:
        section = editor.post("/api/v1/sections", json={"name": "即评", "comment_policy": "post"})
        section.raise_for_status()
    article = fresh_article(
        platform.gateway, content, "即时发表的评论", section_id=section.json()["id"]
    )
    body = f"发表后马上能看到 {time.monotonic_ns() % 100_000}"
    with client(platform.gateway, ua="Mozilla/5.0 instant Chrome/131.0") as reader:
        for _ in range(2):  # the page and its comments are now in the gateway's caches
            assert body not in reader.get(f"/articles/{article}").text
        posted = reader.post(
            f"/articles/{article}/comments", data={"body": body, "nickname": "读者乙"}
        )
        assert posted.status_code == 303, posted.text
        assert posted.headers["location"] == f"/articles/{article}?comment=approved#comments"
        assert body in reader.get(posted.headers["location"]).text
        assert body in reader.get(f"/articles/{article}").text
