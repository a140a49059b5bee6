"""Logging in and registering, with the brute-force guard in front of the password check."""

from __future__ import annotations

from argon2 import PasswordHasher

from gateway.domain.accounts import UserStore, authenticate, register, username_key
from gateway.domain.errors import UnauthorizedError
from gateway.domain.login_guard import LoginGuard
from gateway.domain.sessions import SessionService, TokenPair


async def log_in(
    *,
    guard: LoginGuard,
    store: UserStore,
    hasher: PasswordHasher,
    sessions: SessionService,
    username: str,
    password: str,
) -> TokenPair:
    """A new session for correct credentials; locked accounts get 429, wrong ones 401."""
    key = username_key(username)
    await guard.check(key)
    try:
        user = await authenticate(store=store, hasher=hasher, username=username, password=password)
    except UnauthorizedError:
        await guard.failed(key)
        raise
    await guard.succeeded(key)
    return await sessions.start(user)


async def sign_up(
    *,
    store: UserStore,
    hasher: PasswordHasher,
    sessions: SessionService,
    username: str,
    password: str,
) -> TokenPair:
    """Create a reader account and log it in."""
    user = await register(store=store, hasher=hasher, username=username, password=password)
    return await sessions.start(user)
