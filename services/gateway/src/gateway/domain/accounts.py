"""Accounts: registration, password login, role grants."""

from __future__ import annotations

import asyncio
import functools
import re
import secrets
from dataclasses import dataclass
from typing import Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from common.auth import ROLES
from common.errors import ConflictError, InvalidInputError, NotFoundError
from gateway.domain.errors import UnauthorizedError

USERNAME_RE = re.compile(r"^[\w\u3400-\u9fff-]{2,32}$")
MIN_PASSWORD, MAX_PASSWORD = 8, 128


@dataclass(frozen=True, slots=True)
class User:
    """An account as the domain sees it."""

    id: int
    username: str
    roles: tuple[str, ...]
    password_hash: str = ""


class UserStore(Protocol):
    """Where accounts live."""

    async def add(self, *, username: str, username_key: str, password_hash: str) -> User | None:
        """Insert; None when the username is taken."""

    async def by_username_key(self, username_key: str) -> User | None:
        """The user with this casefolded name."""

    async def by_id(self, user_id: int) -> User | None:
        """The user with this id."""

    async def set_roles(self, user_id: int, roles: list[str]) -> User | None:
        """Replace a user's roles; None when there is no such user."""

    async def set_password_hash(self, user_id: int, password_hash: str) -> None:
        """Store a rehashed password."""


@functools.cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    # verifying unknown users against a real hash keeps their login as slow as a known one's
    return hasher.hash(secrets.token_hex(16))


def username_key(username: str) -> str:
    """The form usernames are compared in (case-insensitive, NFKC-ish via casefold)."""
    return username.strip().casefold()


def check_new_credentials(*, username: str, password: str) -> None:
    """Refuse usernames and passwords that break the rules, with a reason."""
    if not USERNAME_RE.fullmatch(username.strip()):
        raise InvalidInputError("username: 2-32 letters, digits, CJK characters, _ or -")
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInputError(f"password: {MIN_PASSWORD}-{MAX_PASSWORD} characters")
    if password.casefold() == username.strip().casefold():
        raise InvalidInputError("password: must differ from the username")


async def register(
    *, store: UserStore, hasher: PasswordHasher, username: str, password: str
) -> User:
    """Create a reader account with an argon2id password hash."""
    check_new_credentials(username=username, password=password)
    password_hash = await asyncio.to_thread(hasher.hash, password)
    user = await store.add(
        username=username.strip(), username_key=username_key(username), password_hash=password_hash
    )
    if user is None:
        raise ConflictError("username is already taken")
    return user


async def authenticate(
    *, store: UserStore, hasher: PasswordHasher, username: str, password: str
) -> User:
    """The user whose password this is; one vague 401 for every failure."""
    user = await store.by_username_key(username_key(username))
    stored = user.password_hash if user else _dummy_hash(hasher)
    try:
        await asyncio.to_thread(hasher.verify, stored, password[:MAX_PASSWORD])
    except (VerificationError, InvalidHashError):
        user = None
    if user is None:
        raise UnauthorizedError("wrong username or password")
    if hasher.check_needs_rehash(user.password_hash):
        new_hash = await asyncio.to_thread(hasher.hash, password)
        await store.set_password_hash(user.id, new_hash)
    return user


async def grant_roles(*, store: UserStore, user_id: int, roles: list[str]) -> User:
    """Set a user's roles (admin only; checked by the caller). Every user stays a reader."""
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise InvalidInputError(f"unknown roles: {', '.join(unknown)}")
    wanted = sorted({"reader", *roles})
    user = await store.set_roles(user_id, wanted)
    if user is None:
        raise NotFoundError(f"no user {user_id}")
    return user
