"""Accounts, sessions, the edge's fast path and read counting, in process on real infrastructure."""

from __future__ import annotations

import uuid

import httpx
from fastapi import FastAPI

from gateway.cache.entry import CachedResponse
from gateway.reads.recorder import TOTALS


async def test_register_login_refresh_logout(gateway_client: httpx.AsyncClient) -> None:
    name = f"it{uuid.uuid4().hex[:8]}"
    credentials = {"username": name, "password": "long-enough-pass"}
    registered = await gateway_client.post("/api/v1/auth/register", json=credentials)
    assert registered.status_code == 201
    login = await gateway_client.post("/api/v1/auth/login", json=credentials)
    assert login.status_code == 200
    me = await gateway_client.get(
        "/api/v1/auth/me", headers={"authorization": f"Bearer {login.json()['access_token']}"}
    )
    assert me.json()["username"] == name
    refresh = login.json()["refresh_token"]
    rotated = await gateway_client.post("/api/v1/auth/refresh", json={"refresh_token": refresh})
    assert rotated.status_code == 200
    again = await gateway_client.post("/api/v1/auth/refresh", json={"refresh_token": refresh})
    assert again.status_code == 401
    newest = rotated.json()["refresh_token"]
    assert (
        await gateway_client.post("/api/v1/auth/logout", json={"refresh_token": newest})
    ).status_code == 204


async def test_fresh_cached_article_is_served_by_the_edge_and_counted(
    gateway_app: FastAPI, gateway_client: httpx.AsyncClient
) -> None:
    gw = gateway_app.state.gateway
    await gateway_client.get("/healthz")  # memoises this client's ids for the fast path
    gw.cache.cache.local.put(
        "page:article:424242",
        CachedResponse.build(
            b"<html>cached</html>", "text/html; charset=utf-8", fresh_for=60, meta={"section_id": 9}
        ),
    )
    recorded_before = TOTALS.accepted
    first = await gateway_client.get("/articles/424242")
    assert first.status_code == 200
    assert first.text == "<html>cached</html>"
    assert first.headers["x-cache"] == "HIT"
    assert "frame-ancestors 'none'" in first.headers["content-security-policy"]
    again = await gateway_client.get(
        "/articles/424242", headers={"if-none-match": first.headers["etag"]}
    )
    assert again.status_code == 304
    assert TOTALS.accepted - recorded_before == 2  # both reads counted, 304 included


async def test_article_page_degrades_to_503_when_articles_is_unreachable(
    gateway_client: httpx.AsyncClient,
) -> None:
    page = await gateway_client.get("/articles/1")
    api = await gateway_client.get("/api/v1/articles/1")
    assert page.status_code == 503
    assert "服务暂时不可用" in page.text
    assert api.status_code == 503
    assert api.json()["error"] == "upstream_unavailable"


async def test_ssrf_shaped_paths_never_leave_the_gateway(gateway_client: httpx.AsyncClient) -> None:
    for path in ("/api/v1/..%2f..%2fadmin", "/api/v1/sections/%2e%2e", "/api/v1/internal"):
        response = await gateway_client.get(path)
        assert response.status_code in {404, 422}, path


async def test_the_edge_answers_a_refreshed_entry_with_its_own_headers(
    gateway_app: FastAPI, gateway_client: httpx.AsyncClient
) -> None:
    gw = gateway_app.state.gateway
    await gateway_client.get("/healthz")  # memoises this client's ids for the fast path
    local = gw.cache.cache.local
    old = CachedResponse.build(b"<html>old</html>", "text/html; charset=utf-8", fresh_for=60)
    local.put("page:article:434343", old)
    first = await gateway_client.get("/articles/434343")
    assert (first.text, first.headers["etag"]) == ("<html>old</html>", old.etag)
    new = CachedResponse.build(
        b"<html>new and longer</html>", "text/html; charset=utf-8", fresh_for=5
    )
    local.put("page:article:434343", new)  # what a refresh stores
    second = await gateway_client.get("/articles/434343", headers={"if-none-match": old.etag})
    assert second.status_code == 200, "the old ETag no longer matches"
    assert second.text == "<html>new and longer</html>"
    assert second.headers["etag"] == new.etag
    assert second.headers["content-length"] == str(len(new.body))
    assert second.headers["cache-control"] == "public, max-age=5, stale-while-revalidate=300"
    assert second.headers["x-cache"] == "HIT"
    assert second.headers["x-request-id"] != first.headers["x-request-id"]
    third = await gateway_client.get("/articles/434343", headers={"if-none-match": new.etag})
    assert (third.status_code, third.content) == (304, b"")
    assert third.headers["etag"] == new.etag
    assert "content-length" not in third.headers, "a 304 has no body, so no length"
