"""Accounts: register, login, refresh rotation, logout, brute force, CSRF, no open redirect."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import Content
from tests.e2e.helpers import browser_login, client, csrf_of
from tests.stack import Platform


def _new_user(base: str) -> tuple[str, dict[str, object]]:
    name = f"u{uuid.uuid4().hex[:10]}"
    with client(base) as gw:
        registered = gw.post(
            "/api/v1/auth/register", json={"username": name, "password": "pa55-word-x"}
        )
    assert registered.status_code == 201, registered.text
    return name, registered.json()


def test_refresh_tokens_rotate_and_a_replay_ends_the_session(platform: Platform) -> None:
    _, tokens = _new_user(platform.gateway)
    with client(platform.gateway) as gw:
        first = tokens["refresh_token"]
        rotated = gw.post("/api/v1/auth/refresh", json={"refresh_token": first})
        assert rotated.status_code == 200
        second = rotated.json()["refresh_token"]
        assert second != first
        replayed = gw.post("/api/v1/auth/refresh", json={"refresh_token": first})
        assert replayed.status_code == 401
        # the replay revoked the whole login, including the newest token
        assert gw.post("/api/v1/auth/refresh", json={"refresh_token": second}).status_code == 401


def test_logout_revokes_the_refresh_token(platform: Platform) -> None:
    _, tokens = _new_user(platform.gateway)
    with client(platform.gateway) as gw:
        refresh = tokens["refresh_token"]
        assert gw.post("/api/v1/auth/logout", json={"refresh_token": refresh}).status_code == 204
        assert gw.post("/api/v1/auth/refresh", json={"refresh_token": refresh}).status_code == 401


def test_bad_registrations_get_reasons(platform: Platform) -> None:
    name, _ = _new_user(platform.gateway)
    with client(platform.gateway) as gw:
        taken = gw.post(
            "/api/v1/auth/register", json={"username": name.upper(), "password": "another-pass"}
        )
        short = gw.post("/api/v1/auth/register", json={"username": "ok-name", "password": "short"})
        odd = gw.post(
            "/api/v1/auth/register", json={"username": "<script>", "password": "long-enough"}
        )
    assert taken.status_code == 409
    assert short.status_code == 422
    assert "password" in short.json()["detail"]
    assert odd.status_code == 422


def test_session_cookies_are_httponly_and_samesite(platform: Platform) -> None:
    with client(platform.gateway) as gw:
        response = gw.post("/login", data={"username": "reader", "password": "reader-dev-pass"})
    cookies = response.headers.get_list("set-cookie")
    assert len(cookies) == 2
    for cookie in cookies:
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/articles/1", "/articles/1"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_login_never_redirects_elsewhere(platform: Platform, target: str, expected: str) -> None:
    with client(platform.gateway) as gw:
        response = gw.post(
            "/login", data={"username": "reader", "password": "reader-dev-pass", "next": target}
        )
    assert response.status_code == 303
    assert response.headers["location"] == expected


def test_forms_of_a_session_need_the_csrf_token(platform: Platform, content: Content) -> None:
    article = content.article_ids[0]
    with browser_login(platform.gateway, "reader") as session:
        page = session.get(f"/articles/{article}")
        assert page.headers["cache-control"] == "private, no-store"
        token = csrf_of(page.text)
        missing = session.post(f"/articles/{article}/recommend")
        wrong = session.post(f"/articles/{article}/recommend", data={"csrf_token": "0" * 64})
        cross_site = session.post(
            f"/articles/{article}/recommend",
            data={"csrf_token": token},
            headers={"origin": "https://evil.example"},
        )
        good = session.post(
            f"/articles/{article}/recommend",
            data={"csrf_token": token},
            headers={"origin": platform.gateway},
        )
    assert missing.status_code == 403
    assert wrong.status_code == 403
    assert cross_site.status_code == 403
    assert good.status_code == 303


def test_cross_site_login_is_refused(platform: Platform) -> None:
    with client(platform.gateway) as gw:
        response = gw.post(
            "/login",
            data={"username": "reader", "password": "reader-dev-pass"},
            headers={"origin": "https://evil.example"},
        )
    assert response.status_code == 403
