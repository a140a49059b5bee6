"""Routing through the gateway: right service, safe paths, identity headers, edge headers."""

from __future__ import annotations

import socket

import httpx
import pytest

from tests.conftest import Content
from tests.e2e.helpers import client
from tests.stack import Platform


def test_public_paths_reach_their_services(platform: Platform, content: Content) -> None:
    with client(platform.gateway) as gw:
        sections = gw.get("/api/v1/sections")
        direct = httpx.get(f"{platform.url('articles')}/api/v1/sections", timeout=5)
        assert sections.status_code == 200
        assert sections.json() == direct.json()
        assert gw.get("/api/v1/comments/latest").status_code == 200
        assert gw.get("/api/v1/hot", params={"window": "24h"}).status_code == 200
        related = gw.get(f"/api/v1/articles/{content.article_ids[0]}/related")
        assert related.status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/nowhere",
        "/api/v1/articles/1/%2e%2e/%2e%2e/admin",
        "/api/v1/sections/..%2f..%2fetc",
        "/api/v1//evil.example/x",
        "/api/v1/articles/1%40evil.example",
        "/api/v1/articles/1:80",
    ],
)
def test_no_request_can_choose_another_destination(platform: Platform, path: str) -> None:
    with client(platform.gateway) as gw:
        response = gw.get(path)
    assert response.status_code in {404, 422}, response.text
    assert response.headers["content-type"].startswith("application/json")


def test_client_supplied_client_id_is_replaced(platform: Platform, content: Content) -> None:
    article = content.article_ids[0]
    spoofed = {"x-client-id": "someone-else"}
    with client(platform.gateway, ua="spoof-test/1.0") as gw:
        posted = gw.post(
            f"/api/v1/articles/{article}/comments",
            json={"body": "伪造身份的评论", "nickname": "路人"},
            headers=spoofed,
        )
        assert posted.status_code == 202, posted.text
        mine = gw.get("/api/v1/comments/mine", headers=spoofed).json()["items"]
    assert [c["id"] for c in mine] == [posted.json()["id"]]  # the gateway's own id, not ours
    victim = httpx.get(
        f"{platform.url('comments')}/api/v1/comments/mine",
        headers={"x-client-id": "someone-else"},
        timeout=5,
    )
    assert victim.status_code == 403, "only the gateway may name a client to a service"


def test_edge_headers_request_ids_and_size_limit(platform: Platform) -> None:
    with client(platform.gateway) as gw:
        page = gw.get("/", headers={"x-request-id": "trace-me-123"})
    assert page.headers.get("x-request-id") == "trace-me-123", dict(page.headers)
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "<script>" not in page.text  # no inline script anywhere
    assert _status_of_oversized_post(platform.gateway) == 413


def _status_of_oversized_post(base: str) -> int:
    # announce a body over the limit; the gateway must refuse before reading it
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 10000000\r\n\r\n{"
        )
        return int(sock.recv(1024).split(b" ", 2)[1])


def test_feeds_are_served_at_the_site_root(platform: Platform, content: Content) -> None:
    with client(platform.gateway) as gw:
        rss = gw.get("/rss.xml")
        section = gw.get(f"/sections/{content.section_id}/rss.xml")
        sitemap = gw.get("/sitemap.xml")
    assert rss.status_code == 200
    assert "<rss" in rss.text
    assert section.status_code == 200
    assert "<urlset" in sitemap.text
