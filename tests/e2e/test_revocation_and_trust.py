"""Logout and role changes take effect at once in every service; services trust only the gateway.

Also: wrong passwords slow the guesser but never lock the owner out, and a bad token is a
401 on public and private routes alike.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from common.gateway_trust import GATEWAY_SECRET_HEADER
from common.settings import DEV_GATEWAY_SECRET
from tests.conftest import Content, login
from tests.e2e.helpers import client, csrf_of
from tests.stack import Platform

# one route per service that only some roles may use: (service, method, path, role)
STAFF_ROUTES = (
    ("articles", "GET", "/api/v1/editor/articles", "editor"),
    ("comments", "GET", "/api/v1/moderation/queue", "moderator"),
    ("analytics", "GET", "/api/v1/stats/overview", "admin"),
    ("gateway", "GET", "/api/v1/users", "admin"),
)


def _register(base: str) -> dict[str, Any]:
    name = f"u{uuid.uuid4().hex[:10]}"
    with client(base) as gw:
        made = gw.post("/api/v1/auth/register", json={"username": name, "password": "pa55-word-x"})
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


def _refresh(base: str, refresh_token: str) -> dict[str, Any]:
    with client(base) as gw:
        renewed = gw.post("/api/v1/auth/refresh", json={"refresh_token": refresh_token})
    assert renewed.status_code == 200, renewed.text
    body: dict[str, Any] = renewed.json()
    return body


def _statuses(base: str, token: str, routes: tuple[tuple[str, str, str, str], ...]) -> list[int]:
    with client(base, token=token) as gw:
        return [gw.request(method, path).status_code for _, method, path, _ in routes]


def test_removing_roles_refuses_the_old_token_at_once_in_every_service(
    platform: Platform,
) -> None:
    user = _register(platform.gateway)
    admin = login(platform.gateway, "admin")
    with client(platform.gateway, token=admin) as gw:
        granted = gw.put(
            f"/api/v1/users/{user['user']['id']}/roles",
            json={"roles": ["editor", "moderator", "admin"]},
        )
    assert granted.status_code == 200, granted.text
    staff = _refresh(platform.gateway, user["refresh_token"])
    assert _statuses(platform.gateway, staff["access_token"], STAFF_ROUTES) == [200] * 4
    with client(platform.gateway, token=admin) as gw:
        removed = gw.put(f"/api/v1/users/{user['user']['id']}/roles", json={"roles": []})
    assert removed.status_code == 200
    # no waiting: the very next request with the old token is refused by every service
    assert _statuses(platform.gateway, staff["access_token"], STAFF_ROUTES) == [401] * 4
    with client(platform.gateway, token=staff["access_token"]) as gw:
        assert "roles" in gw.get("/api/v1/auth/me").json()["detail"]
    reader = _refresh(platform.gateway, staff["refresh_token"])  # the login itself goes on
    assert reader["user"]["roles"] == ["reader"]
    assert _statuses(platform.gateway, reader["access_token"], STAFF_ROUTES) == [403] * 4


def test_logout_refuses_the_old_access_token_at_once_in_every_service(
    platform: Platform, content: Content
) -> None:
    user = _register(platform.gateway)
    article = content.article_ids[0]
    routes = (
        ("gateway", "GET", "/api/v1/auth/me", ""),
        ("comments", "GET", "/api/v1/comments/mine", ""),
        ("articles", "POST", f"/api/v1/articles/{article}/favourite", ""),
        ("analytics", "GET", "/api/v1/hot", ""),
        ("gateway", "GET", f"/api/v1/articles/{article}", ""),
    )
    assert _statuses(platform.gateway, user["access_token"], routes) == [200] * 5
    other_login = _refresh(platform.gateway, _login_again(platform.gateway, user)["refresh_token"])
    with client(platform.gateway) as gw:
        ended = gw.post("/api/v1/auth/logout", json={"refresh_token": user["refresh_token"]})
    assert ended.status_code == 204
    assert _statuses(platform.gateway, user["access_token"], routes) == [401] * 5
    with client(platform.gateway, token=user["access_token"]) as gw:
        assert "logged out" in gw.get("/api/v1/auth/me").json()["detail"]
    # logging out ends that login only: the same user's other session still works
    assert _statuses(platform.gateway, other_login["access_token"], routes) == [200] * 5


def _login_again(base: str, user: dict[str, Any]) -> dict[str, Any]:
    with client(base, ua="Mozilla/5.0 (other device)") as gw:
        again = gw.post(
            "/api/v1/auth/login",
            json={"username": user["user"]["username"], "password": "pa55-word-x"},
        )
    assert again.status_code == 200, again.text
    body: dict[str, Any] = again.json()
    return body


def test_logging_out_in_the_browser_ends_the_pages_session(platform: Platform) -> None:
    user = _register(platform.gateway)
    with client(platform.gateway) as browser:
        logged_in = browser.post(
            "/login", data={"username": user["user"]["username"], "password": "pa55-word-x"}
        )
        assert logged_in.status_code == 303
        access = browser.cookies["nr_at"]
        csrf = csrf_of(browser.get("/").text)
        assert browser.post("/logout", data={"csrf_token": csrf}).status_code == 303
    with client(platform.gateway, token=access) as gw:
        assert gw.get("/api/v1/auth/me").status_code == 401


def test_services_refuse_client_ids_that_do_not_come_from_the_gateway(
    platform: Platform, content: Content
) -> None:
    article = content.article_ids[0]
    comment = {"body": f"直接调用 {uuid.uuid4().hex[:6]}", "nickname": "冒名者"}
    for service, method, path, body in (
        ("comments", "POST", f"/api/v1/articles/{article}/comments", comment),
        ("comments", "GET", "/api/v1/comments/mine", None),
        ("articles", "POST", f"/api/v1/articles/{article}/recommend", None),
        ("analytics", "GET", "/api/v1/hot", None),
    ):
        for secret in (None, "guessed", DEV_GATEWAY_SECRET + "x"):
            headers = {"x-client-id": "someone-else"}
            if secret is not None:
                headers[GATEWAY_SECRET_HEADER] = secret
            answer = httpx.request(
                method, platform.url(service) + path, headers=headers, json=body, timeout=10
            )
            assert answer.status_code == 403, (service, path, secret, answer.text)
            assert "gateway" in answer.json()["detail"]
    with client(platform.gateway) as gw:  # the same comment through the gateway is taken
        taken = gw.post(f"/api/v1/articles/{article}/comments", json=comment)
    assert taken.status_code == 202, taken.text


def test_wrong_passwords_delay_the_guesser_but_not_the_owner(platform: Platform) -> None:
    user = _register(platform.gateway)
    name = user["user"]["username"]
    with client(platform.gateway, ua="attacker/1.0") as attacker:
        answers = [
            attacker.post("/api/v1/auth/login", json={"username": name, "password": "guess"})
            for _ in range(3)
        ]
        assert [a.status_code for a in answers] == [401] * 3
        delayed = attacker.post("/api/v1/auth/login", json={"username": name, "password": "x"})
        assert delayed.status_code == 429
        assert int(delayed.headers["retry-after"]) >= 1
        # even the right password waits from the guessing client
        right = attacker.post(
            "/api/v1/auth/login", json={"username": name, "password": "pa55-word-x"}
        )
        assert right.status_code == 429
    with client(platform.gateway, ua="Mozilla/5.0 (owner's laptop)") as owner:
        mine = owner.post("/api/v1/auth/login", json={"username": name, "password": "pa55-word-x"})
    assert mine.status_code == 200, mine.text


def test_a_bad_token_is_refused_on_public_routes_too(platform: Platform, content: Content) -> None:
    article = content.article_ids[0]
    with client(platform.gateway, token="not-a-token") as gw:
        for path in (
            f"/api/v1/articles/{article}",  # assembled by the gateway
            "/api/v1/sections",  # articles
            f"/api/v1/articles/{article}/comments",  # comments
            "/api/v1/hot",  # analytics
        ):
            answer = gw.get(path)
            assert answer.status_code == 401, (path, answer.text)
            assert answer.json()["detail"].startswith("invalid token"), path
