"""Logging in and registering, with the brute-force guard in front of the password check."""

from __future__ import annotations

import hashlib
import hmac

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
    client: str,
) -> TokenPair:
    """A new session for correct credentials; wrong ones 401, a client made to wait 429.

    ``client`` names the device (see :func:`login_client`); the guard delays per device.
    """
    key = username_key(username)
    await guard.check(key, client)
    try:
        user = await authenticate(store=store, hasher=hasher, username=username, password=password)
    except UnauthorizedError:
        await guard.failed(key, client)
        raise
    await guard.succeeded(key, client)
    return await sessions.start(user)


def login_client(*, secret: str, ip: str, user_agent: str) -> str:
    """A stable name of a device for the login guard (unlike client ids, not rotated daily).

    Keyed with a server secret so the Redis keys reveal no address.
    """
    message = f"login-client\n{ip}\n{user_agent}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]


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
