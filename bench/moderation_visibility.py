"""How long a moderator's approval takes to show on the article page that readers get.

Target (DESIGN): a moderation decision is visible on the article page within 1 s.

Starts the whole platform as subprocesses (``tests/stack.py``: fresh schemas, topics and
Redis prefix), publishes an article in a pre-moderated section, then repeatedly: an
anonymous reader comments (held for review), the article page is read so the gateway
caches it, a moderator approves, and the cached page is polled until the comment is
there. Reports p50 / p99 / max of approval → visible, over ``--decisions`` rounds.
Writes ``bench/results/moderation_visibility.json``.

    uv run python bench/moderation_visibility.py [--decisions 30]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import BROWSER_UA, login  # noqa: E402 - needs the path above
from tests.stack import start_platform  # noqa: E402 - needs the path above

RESULTS = ROOT / "bench" / "results" / "moderation_visibility.json"
DEADLINE = 10.0  # seconds before a round counts as never visible


def publish_article(base: str) -> int:
    """A published article in a pre-moderated section, created by the demo editor."""
    headers = {"authorization": f"Bearer {login(base, 'editor')}", "user-agent": BROWSER_UA}
    with httpx.Client(base_url=base, headers=headers, timeout=10) as client:
        section = client.post(
            "/api/v1/sections", json={"name": "评论时效", "comment_policy": "pre"}
        )
        section.raise_for_status()
        article = client.post(
            "/api/v1/articles",
            json={
                "section_id": section.json()["id"],
                "title": "评论审核时效测试",
                "summary": "审核后的评论多久出现在文章页。",
                "body_html": "<p>读者评论需要审核后显示。</p>",
                "source": "新闻中心",
                "author": "编辑部",
            },
        )
        article.raise_for_status()
        article_id = int(article.json()["id"])
        client.post(f"/api/v1/articles/{article_id}/publish").raise_for_status()
    wait_until(lambda: httpx.get(f"{base}/articles/{article_id}", timeout=5).status_code == 200)
    return article_id


def wait_until(check: object, deadline: float = 30.0) -> float:
    """Seconds until ``check()`` is true; raises after ``deadline``."""
    started = time.perf_counter()
    while not check():  # type: ignore[operator]
        if time.perf_counter() - started > deadline:
            raise TimeoutError("condition not met")
        time.sleep(0.01)
    return time.perf_counter() - started


def one_round(base: str, article_id: int, moderator: str, n: int) -> float:
    """Comment, cache the page, approve, and time until the page shows the comment."""
    text = f"第{n}条读者意见 审核时效{time.monotonic_ns() % 100000}"
    reader = {"user-agent": f"{BROWSER_UA} r{n}"}
    posted = httpx.post(
        f"{base}/api/v1/articles/{article_id}/comments",
        json={"body": text, "nickname": "读者"},
        headers=reader,
        timeout=10,
    )
    posted.raise_for_status()
    comment_id = posted.json()["id"]
    page = f"{base}/articles/{article_id}"
    httpx.get(page, headers=reader, timeout=10).raise_for_status()  # cached without it
    approved_at = time.perf_counter()
    decided = httpx.post(
        f"{base}/api/v1/moderation/decisions",
        json={"decisions": [{"comment_id": comment_id, "decision": "approve", "reason": ""}]},
        headers={"authorization": f"Bearer {moderator}", "user-agent": BROWSER_UA},
        timeout=10,
    )
    decided.raise_for_status()
    wait_until(lambda: text in httpx.get(page, headers=reader, timeout=5).text, DEADLINE)
    return time.perf_counter() - approved_at


def main() -> None:
    """Run the rounds and report."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--decisions", type=int, default=30)
    args = parser.parse_args()
    platform = start_platform()
    try:
        base = platform.gateway
        article_id = publish_article(base)
        moderator = login(base, "moderator")
        seconds = [one_round(base, article_id, moderator, n) for n in range(args.decisions)]
    finally:
        platform.close()
    ms = sorted(s * 1000 for s in seconds)
    result = {
        "decisions": len(ms),
        "p50_ms": round(statistics.median(ms), 1),
        "p99_ms": round(ms[min(len(ms) - 1, int(len(ms) * 0.99))], 1),
        "max_ms": round(ms[-1], 1),
        "target_ms": 1000,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(
        f"approval -> visible on the article page: p50 {result['p50_ms']} ms, "
        f"p99 {result['p99_ms']} ms, max {result['max_ms']} ms over {len(ms)} decisions "
        f"(target <= 1000 ms)"
    )


if __name__ == "__main__":
    main()
