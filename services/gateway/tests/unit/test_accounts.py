"""Accounts and sessions on fakes: rules, argon2id, rotation, replay detection."""

from __future__ import annotations

from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from gateway_fakes import FakeRefreshes, FakeUsers

from common.auth import TokenIssuer, TokenVerifier
from common.errors import ConflictError, InvalidInputError, NotFoundError
from common.settings import DEV_JWT_PRIVATE_KEY, DEV_JWT_PUBLIC_KEY
from gateway.domain.accounts import authenticate, grant_roles, register
from gateway.domain.errors import UnauthorizedError
from gateway.domain.sessions import SessionService

HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def _sessions(users: FakeUsers, refreshes: FakeRefreshes) -> SessionService:
    issuer = TokenIssuer(
        private_key=DEV_JWT_PRIVATE_KEY,
        issuer="newsroom",
        audience="newsroom",
        ttl=timedelta(minutes=5),
    )
    return SessionService(
        issuer=issuer, refreshes=refreshes, users=users, refresh_ttl=timedelta(days=1)
    )


async def test_register_hashes_with_argon2id_and_refuses_duplicates() -> None:
    users = FakeUsers()
    user = await register(store=users, hasher=HASHER, username="张三", password="long-enough")
    assert user.password_hash.startswith("$argon2id$")
    assert user.roles == ("reader",)
    with pytest.raises(ConflictError):
        await register(store=users, hasher=HASHER, username="张三", password="another-one")


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("a", "long-enough"),
        ("ok-name", "short"),
        ("bad name!", "long-enough"),
        ("samesame", "samesame"),
    ],
)
async def test_bad_credentials_are_refused_with_a_reason(username: str, password: str) -> None:
    with pytest.raises(InvalidInputError):
        await register(store=FakeUsers(), hasher=HASHER, username=username, password=password)


async def test_authenticate_is_vague_about_what_was_wrong() -> None:
    users = FakeUsers()
    await register(store=users, hasher=HASHER, username="reader1", password="right-password")
    assert (
        await authenticate(
            store=users, hasher=HASHER, username="READER1", password="right-password"
        )
    ).username == "reader1"
    for name, password in (("reader1", "wrong-password"), ("nobody", "right-password")):
        with pytest.raises(UnauthorizedError, match="wrong username or password"):
            await authenticate(store=users, hasher=HASHER, username=name, password=password)


async def test_grant_roles_keeps_reader_and_refuses_unknown_roles() -> None:
    users = FakeUsers()
    user = await register(store=users, hasher=HASHER, username="mod1", password="long-enough")
    granted = await grant_roles(store=users, user_id=user.id, roles=["moderator"])
    assert granted.roles == ("moderator", "reader")
    with pytest.raises(InvalidInputError):
        await grant_roles(store=users, user_id=user.id, roles=["superuser"])
    with pytest.raises(NotFoundError):
        await grant_roles(store=users, user_id=999, roles=[])


async def test_refresh_rotates_and_replay_revokes_the_family() -> None:
    users, refreshes = FakeUsers(), FakeRefreshes()
    sessions = _sessions(users, refreshes)
    user = await register(store=users, hasher=HASHER, username="reader2", password="long-enough")
    first = await sessions.start(user)
    verifier = TokenVerifier(public_key=DEV_JWT_PUBLIC_KEY, issuer="newsroom", audience="newsroom")
    assert verifier.verify(first.access_token).username == "reader2"
    second = await sessions.rotate(first.refresh_token)
    assert second.session_id == first.session_id
    with pytest.raises(UnauthorizedError, match="already used"):
        await sessions.rotate(first.refresh_token)
    with pytest.raises(UnauthorizedError):
        await sessions.rotate(second.refresh_token)  # the whole login ended


async def test_roles_granted_later_arrive_with_the_next_refresh() -> None:
    users, refreshes = FakeUsers(), FakeRefreshes()
    sessions = _sessions(users, refreshes)
    user = await register(store=users, hasher=HASHER, username="editor9", password="long-enough")
    pair = await sessions.start(user)
    await grant_roles(store=users, user_id=user.id, roles=["editor"])
    renewed = await sessions.rotate(pair.refresh_token)
    verifier = TokenVerifier(public_key=DEV_JWT_PUBLIC_KEY, issuer="newsroom", audience="newsroom")
    assert "editor" in verifier.verify(renewed.access_token).roles
