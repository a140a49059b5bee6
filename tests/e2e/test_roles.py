"""Every role's allowed and denied actions, through the gateway."""

from __future__ import annotations

import uuid

import httpx
import jwt
import pytest

from tests.conftest import Content, login
from tests.e2e.helpers import browser_login, client
from tests.stack import Platform

PAGES = (
    "/moderation",
    "/moderation/words",
    "/moderation/bans",
    "/moderation/audit",
    "/editor",
    "/editor/new",
    "/ops",
    "/admin/users",
)
ALLOWED_PAGES = {
    "reader": set(),
    "moderator": {"/moderation", "/moderation/words", "/moderation/bans", "/moderation/audit"},
    "editor": {"/editor", "/editor/new"},
    "admin": set(PAGES),
}


def test_anonymous_visitors_are_sent_to_login(platform: Platform) -> None:
    with client(platform.gateway) as gw:
        for path in PAGES:
            response = gw.get(path)
            assert response.status_code == 303, path
            assert response.headers["location"] == f"/login?next={path}"


@pytest.mark.parametrize("role", ["reader", "moderator", "editor", "admin"])
def test_staff_pages_by_role(platform: Platform, role: str) -> None:
    with browser_login(platform.gateway, role) as session:
        for path in PAGES:
            status = session.get(path).status_code
            assert status == (200 if path in ALLOWED_PAGES[role] else 403), (role, path, status)


def test_anonymous_api_callers_cannot_act_as_users(platform: Platform, content: Content) -> None:
    article = content.article_ids[0]
    with client(platform.gateway) as gw:
        assert gw.post("/api/v1/articles", json={"section_id": 1, "title": "x"}).status_code == 401
        assert gw.get("/api/v1/moderation/queue").status_code == 401
        assert gw.post(f"/api/v1/articles/{article}/favourite").status_code == 401
        assert gw.get("/api/v1/users").status_code == 401
        assert gw.get("/api/v1/auth/me").status_code == 401


def test_readers_cannot_reach_staff_actions(platform: Platform, content: Content) -> None:
    with client(platform.gateway, token=login(platform.gateway, "reader")) as gw:
        assert (
            gw.post(
                "/api/v1/articles", json={"section_id": content.section_id, "title": "x"}
            ).status_code
            == 403
        )
        assert gw.post(f"/api/v1/articles/{content.article_ids[0]}/publish").status_code == 403
        assert gw.get("/api/v1/moderation/queue").status_code == 403
        assert gw.post("/api/v1/moderation/decisions", json={"decisions": []}).status_code == 403
        assert gw.put("/api/v1/users/1/roles", json={"roles": ["admin"]}).status_code == 403
        assert gw.post(f"/api/v1/articles/{content.article_ids[0]}/favourite").status_code == 200


def test_moderators_moderate_but_do_not_edit(platform: Platform, content: Content) -> None:
    with client(platform.gateway, token=login(platform.gateway, "moderator")) as gw:
        assert gw.get("/api/v1/moderation/queue").status_code == 200
        assert (
            gw.post(
                "/api/v1/articles", json={"section_id": content.section_id, "title": "x"}
            ).status_code
            == 403
        )


def test_editors_edit_but_do_not_moderate(platform: Platform, content: Content) -> None:
    with client(platform.gateway, token=login(platform.gateway, "editor")) as gw:
        assert gw.get("/api/v1/moderation/queue").status_code == 403
        created = gw.post(
            "/api/v1/articles", json={"section_id": content.subsection_id, "title": "编辑可以写稿"}
        )
        assert created.status_code == 201


def test_admin_grants_roles_that_apply_on_refresh(platform: Platform) -> None:
    name = f"m{uuid.uuid4().hex[:10]}"
    with client(platform.gateway) as gw:
        tokens = gw.post(
            "/api/v1/auth/register", json={"username": name, "password": "long-enough-1"}
        ).json()
    user_id = tokens["user"]["id"]
    with client(platform.gateway, token=login(platform.gateway, "admin")) as admin:
        granted = admin.put(f"/api/v1/users/{user_id}/roles", json={"roles": ["moderator"]})
        assert granted.json()["roles"] == ["moderator", "reader"]
        assert (
            admin.put(f"/api/v1/users/{user_id}/roles", json={"roles": ["king"]}).status_code == 422
        )
    with client(platform.gateway) as gw:
        refreshed = gw.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    with client(platform.gateway, token=refreshed.json()["access_token"]) as now_moderator:
        assert now_moderator.get("/api/v1/moderation/queue").status_code == 200


def test_forged_tokens_are_refused(platform: Platform) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    forged = jwt.encode(
        {
            "sub": "1",
            "name": "admin",
            "roles": ["admin"],
            "iss": "newsroom",
            "aud": "newsroom",
            "iat": 1,
            "exp": 4_000_000_000,
        },
        key,
        algorithm="EdDSA",
    )
    with client(platform.gateway, token=forged) as gw:
        assert gw.get("/api/v1/moderation/queue").status_code == 401
        assert gw.get("/api/v1/users").status_code == 401
    cookie_jar = httpx.Cookies({"nr_at": forged})
    with httpx.Client(base_url=platform.gateway, cookies=cookie_jar, timeout=10) as browser:
        assert browser.get("/ops").status_code == 303  # treated as anonymous
