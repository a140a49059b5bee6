"""One trace you can open: a comment from the gateway to every consumer that handled it."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import BROWSER_UA, login
from tests.e2e.helpers import browser_login
from tests.ops.observability import Jaeger, jaeger
from tests.stack import Platform, start_platform

COMMENT = "追踪这条评论的完整链路"


@pytest.fixture(scope="module")
def traced() -> Iterator[tuple[Platform, Jaeger]]:
    """A platform of its own whose every process sends its spans to a Jaeger of its own."""
    with jaeger() as store:
        platform = start_platform({"NEWSROOM_OTEL_ENDPOINT": store.otlp})
        try:
            yield platform, store
        finally:
            platform.close()


def _article(base: str) -> int:
    headers = {"authorization": f"Bearer {login(base, 'editor')}", "user-agent": BROWSER_UA}
    with httpx.Client(base_url=base, headers=headers, timeout=10) as client:
        section = client.post("/api/v1/sections", json={"name": "追踪", "comment_policy": "pre"})
        section.raise_for_status()
        created = client.post(
            "/api/v1/articles",
            json={
                "section_id": section.json()["id"],
                "title": "链路追踪测试文章",
                "summary": "一篇用于追踪的文章。",
                "body_html": "<p>正文。</p>",
                "source": "新闻中心",
                "author": "记者",
                "tags": ["追踪"],
            },
        )
        created.raise_for_status()
        article_id = int(created.json()["id"])
        client.post(f"/api/v1/articles/{article_id}/publish").raise_for_status()
    return article_id


def _traces(store: Jaeger, service: str) -> list[dict[str, Any]]:
    found = httpx.get(
        f"{store.api}/api/traces", params={"service": service, "limit": 200, "lookback": "1h"}
    )
    found.raise_for_status()
    return list(found.json()["data"] or [])


def _spans(trace: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """span id -> span, with its service name and its parent's span id."""
    processes = {k: p["serviceName"] for k, p in trace["processes"].items()}
    spans = {}
    for span in trace["spans"]:
        parents = [r["spanID"] for r in span["references"] if r["refType"] == "CHILD_OF"]
        spans[span["spanID"]] = {
            "service": processes[span["processID"]],
            "name": span["operationName"],
            "parent": parents[0] if parents else None,
        }
    return spans


def _named(spans: dict[str, dict[str, Any]], service: str, name: str) -> list[str]:
    return [k for k, s in spans.items() if s["service"] == service and s["name"] == name]


def _complete(trace: dict[str, Any]) -> bool:
    spans = _spans(trace)
    return all(
        _named(spans, service, name)
        for service, name in (
            ("comments", "publish comment.submitted"),
            ("analytics", "consume comment.submitted"),
            ("gateway", "invalidate comment.submitted"),
        )
    )


def _comment_trace(store: Jaeger, deadline: float) -> dict[str, Any]:
    while time.monotonic() < deadline:
        for trace in _traces(store, "comments"):
            if _complete(trace):
                return trace
        time.sleep(0.5)
    raise AssertionError("no complete trace of the submission in the trace store")


def _ancestors(spans: dict[str, dict[str, Any]], span_id: str) -> list[dict[str, Any]]:
    chain = []
    parent = spans[span_id]["parent"]
    while parent is not None and parent in spans:
        chain.append(spans[parent])
        parent = spans[parent]["parent"]
    return chain


def test_a_comment_is_one_trace_from_the_gateway_to_each_consumer(
    traced: tuple[Platform, Jaeger],
) -> None:
    platform, store = traced
    article_id = _article(platform.gateway)
    submitted = httpx.post(
        f"{platform.gateway}/api/v1/articles/{article_id}/comments",
        json={"body": COMMENT, "nickname": "追踪者"},
        headers={"user-agent": BROWSER_UA},
        timeout=10,
    )
    assert submitted.status_code == 202, submitted.text
    spans = _spans(_comment_trace(store, time.monotonic() + 60))

    roots = [s for s in spans.values() if s["parent"] is None]
    assert [(r["service"], r["name"]) for r in roots] == [("gateway", "POST /api/v1/{rest:path}")]
    [publish] = _named(spans, "comments", "publish comment.submitted")
    # the relay's publish descends from the comments request, which the gateway called
    upstream = [(s["service"], s["name"]) for s in _ancestors(spans, publish)]
    assert ("comments", "POST /api/v1/articles/{article_id}/comments") in upstream
    assert upstream[-1] == ("gateway", "POST /api/v1/{rest:path}")
    # each consumer that handled the event continues from the relay's publish
    for service, name in (
        ("analytics", "consume comment.submitted"),
        ("gateway", "invalidate comment.submitted"),
    ):
        assert [spans[c]["parent"] for c in _named(spans, service, name)] == [publish], name


def test_the_trace_opens_on_the_ops_pages(traced: tuple[Platform, Jaeger]) -> None:
    """An operator finds the comment's trace among the recent ones and opens its waterfall."""
    platform, store = traced
    trace = _comment_trace(store, time.monotonic() + 60)  # the first test's submission
    gateway = platform.extra_gateway("gateway-traces", GATEWAY_JAEGER_URL=store.api)
    try:
        with browser_login(gateway.url or "", "admin") as admin:
            recent = admin.get("/ops/traces", params={"service": "comments"})
            assert recent.status_code == 200
            assert f'href="/ops/traces/{trace["traceID"]}"' in recent.text
            page = admin.get(f"/ops/traces/{trace['traceID']}")
            assert page.status_code == 200
            rows = re.findall(
                r'<tr class="span[^"]*" data-depth="(\d+)" data-service="(\w+)">\s*<td[^>]*>'
                r'<span class="svc[^"]*">\w+</span> ([^<]+)<',
                page.text,
            )
            depth = {(service, name.strip()): int(d) for d, service, name in rows}
            assert depth[("gateway", "POST /api/v1/{rest:path}")] == 0
            publish = depth[("comments", "publish comment.submitted")]
            assert depth[("analytics", "consume comment.submitted")] == publish + 1
            assert depth[("gateway", "invalidate comment.submitted")] == publish + 1
            assert len(rows) == len(trace["spans"])
            assert admin.get("/ops/traces/not-a-trace").status_code == 422
            assert admin.get("/ops/traces/" + "0" * 32).status_code == 404
            assert admin.get("/ops/traces", params={"service": "mail"}).status_code == 422
        with browser_login(gateway.url or "", "moderator") as moderator:
            assert moderator.get("/ops/traces").status_code == 403
    finally:
        gateway.stop()
