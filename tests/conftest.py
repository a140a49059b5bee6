"""Cross-service fixtures: the whole platform for the session, and content to read."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # so test modules can import tests.stack and these helpers

from tests.stack import Platform, start_platform  # noqa: E402 - needs the path above

BROWSER_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
PASSWORDS = {
    "admin": "admin-dev-pass",
    "editor": "editor-dev-pass",
    "moderator": "moderator-dev-pass",
    "reader": "reader-dev-pass",
}


@pytest.fixture(scope="session")
def platform() -> Iterator[Platform]:
    """Every service and consumer, migrated into fresh schemas, ready."""
    running = start_platform()
    try:
        yield running
    finally:
        running.close()


def login(base: str, username: str, ua: str = BROWSER_UA) -> str:
    """An access token of a demo account."""
    response = httpx.post(
        f"{base}/api/v1/auth/login",
        json={"username": username, "password": PASSWORDS[username]},
        headers={"user-agent": ua},
        timeout=10,
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


@dataclass(frozen=True)
class Content:
    """What the session published: one section with a subsection and a few articles."""

    section_id: int
    subsection_id: int
    article_ids: list[int]


def _published_everywhere(base: str, article_id: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        response = httpx.get(f"{base}/api/v1/articles/{article_id}", timeout=5)
        if response.status_code == 200:
            return
        time.sleep(0.1)
    raise AssertionError(f"article {article_id} never became readable")


@pytest.fixture(scope="session")
def content(platform: Platform) -> Content:
    """A section tree and three published articles, created through the gateway by an editor."""
    base = platform.gateway
    headers = {"authorization": f"Bearer {login(base, 'editor')}", "user-agent": BROWSER_UA}
    with httpx.Client(base_url=base, headers=headers, timeout=10) as client:
        root = client.post("/api/v1/sections", json={"name": "测试新闻", "comment_policy": "pre"})
        root.raise_for_status()
        sub = client.post("/api/v1/sections", json={"name": "国内", "parent_id": root.json()["id"]})
        sub.raise_for_status()
        ids = []
        for n in range(3):
            created = client.post(
                "/api/v1/articles",
                json={
                    "section_id": sub.json()["id"],
                    "title": f"测试文章第{n + 1}篇 城市更新与社区建设",
                    "summary": "关于城市更新与社区建设的报道。",
                    "body_html": "<p>城市更新是一项系统工程。</p><p>社区建设需要居民共同参与。</p>",
                    "source": "新闻中心",
                    "author": "记者 王小明",
                    "tags": ["城市", "社区"],
                },
            )
            created.raise_for_status()
            article_id = created.json()["id"]
            client.post(f"/api/v1/articles/{article_id}/publish").raise_for_status()
            ids.append(article_id)
    deadline = time.monotonic() + 20
    for article_id in ids:
        _published_everywhere(base, article_id, deadline)
    return Content(section_id=root.json()["id"], subsection_id=sub.json()["id"], article_ids=ids)
