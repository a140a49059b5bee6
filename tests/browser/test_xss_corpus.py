"""No payload of the XSS corpus runs or becomes markup in any place the portal shows text.

Every payload goes into comments (body and nickname), article fields (title, subtitle,
summary, source, author, tag, body), section names, usernames (where registration takes
them) and search; then headless Chromium renders the article pages, the section page,
search results, the moderation desk and its audit log, the editor (list and forms), the
admin user list and /ops, and counts calls of ``__xss``, dialogs and injected elements.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext

from tests.browser.xss_corpus import DETECTOR, INJECTED, payloads
from tests.conftest import BROWSER_UA, PASSWORDS, login
from tests.e2e.helpers import poll
from tests.stack import Platform

pytestmark = pytest.mark.browser


@dataclass
class Planted:
    """Where the corpus went."""

    corpus: list[str]
    section_id: int = 0
    article_ids: list[int] = field(default_factory=list)
    sections: int = 0
    usernames: int = 0
    comments: int = 0
    refused: dict[str, int] = field(default_factory=dict)  # article fields refused as input


def _api(base: str, token: str | None = None) -> httpx.Client:
    headers = {"user-agent": BROWSER_UA}
    if token:
        headers["authorization"] = f"Bearer {token}"
    return httpx.Client(base_url=base, headers=headers, timeout=15)


ARTICLE_FIELDS = ("title", "subtitle", "summary", "source", "author", "tags")


def _post(client: httpx.Client, url: str, **kwargs: Any) -> httpx.Response:
    """A POST retried while the loaded machine answers 503 (a setup step, not under test)."""
    for _ in range(10):
        answer = client.post(url, **kwargs)
        if answer.status_code != 503:
            return answer
        time.sleep(0.5)
    return answer


def _plant_content(base: str, planted: Planted) -> None:
    corpus = planted.corpus
    with _api(base, login(base, "editor")) as editor:
        parent = editor.post(
            "/api/v1/sections", json={"name": corpus[0][:60], "slug": f"xss-{uuid.uuid4().hex[:8]}"}
        )
        assert parent.status_code == 201, parent.text
        planted.section_id = parent.json()["id"]
        for text in corpus[: len(corpus) // 4]:  # names listed on one page: a quarter suffices
            if len(text) <= 60:
                made = editor.post(
                    "/api/v1/sections", json={"name": text, "parent_id": planted.section_id}
                )
                assert made.status_code == 201, made.text
                planted.sections += 1
        for first in range(0, len(corpus), len(ARTICLE_FIELDS)):
            texts = [corpus[(first + k) % len(corpus)] for k in range(len(ARTICLE_FIELDS))]
            fields: dict[str, Any] = dict(zip(ARTICLE_FIELDS, texts, strict=True))
            fields |= {"tags": [texts[-1][:20]], "body_html": f"<p>{texts[0]}</p>"}
            fields["section_id"] = planted.section_id
            made = editor.post("/api/v1/articles", json=fields)
            for _ in range(3):  # a field refused at the door is stored as plain text instead
                if made.status_code != 422:
                    break
                name = made.json()["detail"].split(":")[0]
                planted.refused[name] = planted.refused.get(name, 0) + 1
                fields[name] = ["标签"] if name == "tags" else "<p>正文</p>"
                made = editor.post("/api/v1/articles", json=fields)
            assert made.status_code == 201, made.text
            article_id = made.json()["id"]
            assert _post(editor, f"/api/v1/articles/{article_id}/publish").status_code == 200
            planted.article_ids.append(article_id)


def _plant_comments(base: str, planted: Planted) -> None:
    ids: list[int] = []
    with _api(base) as visitor:
        for n, text in enumerate(planted.corpus):
            article_id = planted.article_ids[n % len(planted.article_ids)]
            payload = {"body": text, "nickname": text}
            sent = _post(visitor, f"/api/v1/articles/{article_id}/comments", json=payload)
            if sent.status_code == 422 and "nickname" in sent.text:  # refused at the door
                planted.refused["nickname"] = planted.refused.get("nickname", 0) + 1
                payload["nickname"] = "读者"
                sent = _post(visitor, f"/api/v1/articles/{article_id}/comments", json=payload)
            if sent.status_code == 422:
                planted.refused["comment"] = planted.refused.get("comment", 0) + 1
                continue
            assert sent.status_code == 202, sent.text
            if sent.json()["status"] == "pending":
                ids.append(sent.json()["id"])
            planted.comments += 1
    with _api(base, login(base, "moderator")) as moderator:
        # half approved (article pages), half left pending (the desk's queue)
        decisions = [{"comment_id": i, "decision": "approve"} for i in ids[::2]]
        for start in range(0, len(decisions), 200):
            done = moderator.post(
                "/api/v1/moderation/decisions", json={"decisions": decisions[start : start + 200]}
            )
            assert done.status_code == 200, done.text


def _plant_usernames(base: str, planted: Planted) -> None:
    with _api(base) as visitor:
        for text in planted.corpus:
            made = visitor.post(
                "/api/v1/auth/register", json={"username": text, "password": "xss-pass-123"}
            )
            assert made.status_code in {201, 409, 422}, made.text  # refused is fine: never 5xx
            planted.usernames += made.status_code == 201


@pytest.fixture(scope="module")
def planted(platform: Platform) -> Planted:
    """The corpus stored everywhere text can be stored."""
    planted = Planted(corpus=payloads())
    base = platform.gateway
    _plant_content(base, planted)
    _plant_comments(base, planted)
    _plant_usernames(base, planted)
    last = planted.article_ids[0]  # its comments were approved: wait until the page shows one
    poll(lambda: "__xss(1)" in httpx.get(f"{base}/articles/{last}", timeout=10).text, timeout=30)
    return planted


def _context(browser: Browser, base: str, username: str | None) -> Iterator[BrowserContext]:
    context = browser.new_context(user_agent=BROWSER_UA)
    context.add_init_script(DETECTOR)
    if username is not None:
        done = context.request.post(
            f"{base}/login", form={"username": username, "password": PASSWORDS[username]}
        )
        assert done.ok, done.status
    yield context
    context.close()


def _render(context: BrowserContext, urls: list[str]) -> tuple[list[str], list[str], int]:
    """(executed, injected, pages) over every URL, one tab reused."""
    page = context.new_page()
    executed: list[str] = []
    injected: list[str] = []
    page.on("dialog", lambda d: (executed.append(f"dialog {d.message}"), d.dismiss()))
    for url in urls:
        response = page.goto(url, wait_until="load")
        assert response is not None, url
        assert response.status < 500, (url, response.status)
        page.wait_for_timeout(20)  # autofocus, animations and media errors fire right after load
        hits: Any = page.evaluate("window.__hits")
        executed += [f"{url}: {h}" for h in hits]
        injected += [f"{url}: {e}" for e in page.evaluate(INJECTED)]
    page.close()
    return executed, injected, len(urls)


def test_no_payload_runs_or_becomes_markup_anywhere(
    platform: Platform, planted: Planted, browser: Browser, capsys: pytest.CaptureFixture[str]
) -> None:
    base = platform.gateway
    ids = planted.article_ids
    public = [f"{base}/", f"{base}/sections/{planted.section_id}"]
    public += [f"{base}/articles/{i}" for i in ids]
    public += [f"{base}/articles/{ids[0]}/print"]
    # every third payload (3 and the 26 vectors share no factor: every vector, most contexts);
    # the search page is the slowest to render and echoes the query like every other text
    public += [f"{base}/search?q={quote(text)}" for text in planted.corpus[::3]]
    staff = {
        "moderator": [f"{base}/moderation", f"{base}/moderation/audit", f"{base}/moderation/bans"],
        "editor": [f"{base}/editor", *[f"{base}/editor/{i}" for i in ids[::4]]],
        "admin": [f"{base}/admin/users", f"{base}/ops"],
    }
    executed, injected, pages = [], [], 0
    for username, urls in [(None, public), *staff.items()]:
        for context in _context(browser, base, username):
            found = _render(context, urls)
            executed += found[0]
            injected += found[1]
            pages += found[2]
    with capsys.disabled():
        print(
            f"\nXSS corpus: {len(planted.corpus)} payloads; stored in {len(ids)} articles' 7 "
            f"fields (refused as input: {planted.refused}), "
            f"{planted.sections} section names, {planted.comments} comments (body and "
            f"nickname), {planted.usernames} usernames accepted; {pages} pages rendered; "
            f"{len(executed)} executed, {len(injected)} injected"
        )
    assert not executed, "\n".join(executed[:50])
    assert not injected, "\n".join(injected[:50])
