"""Login sessions: a short-lived access token plus a rotating, revocable refresh token."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from common.auth import Principal, TokenIssuer
from common.revocation import RevocationList
from gateway.domain.accounts import User, UserStore, grant_roles
from gateway.domain.errors import UnauthorizedError


@dataclass(frozen=True, slots=True)
class StoredRefresh:
    """A refresh token as stored: only its hash."""

    family: str
    user_id: int
    expires_at: datetime
    rotated: bool
    revoked: bool


@dataclass(frozen=True, slots=True)
class TokenPair:
    """What a login or refresh hands out."""

    access_token: str
    refresh_token: str
    expires_in: int
    refresh_expires_in: int
    session_id: str
    user: User


class RefreshStore(Protocol):
    """Where refresh-token hashes live."""

    async def add(
        self, *, token_hash: str, family: str, user_id: int, expires_at: datetime
    ) -> None:
        """Store a new token hash."""

    async def claim(self, token_hash: str) -> StoredRefresh | None:
        """Mark a token rotated and return it as it was before; None if unknown."""

    async def revoke_family(self, family: str) -> None:
        """Revoke every token of a login."""


def hash_token(token: str) -> str:
    """The stored form of a refresh token."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class SessionService:
    """Issues, rotates and revokes sessions."""

    issuer: TokenIssuer
    refreshes: RefreshStore
    users: UserStore
    refresh_ttl: timedelta
    revocations: RevocationList | None = None  # None in unit tests on fakes

    @property
    def _keep_seconds(self) -> int:
        """How long a revocation marker must live: as long as a token it covers could."""
        return int(self.issuer.ttl.total_seconds()) + 60

    async def start(self, user: User, *, family: str | None = None) -> TokenPair:
        """A fresh pair for a user (a new login unless ``family`` continues one)."""
        family = family or secrets.token_hex(16)
        refresh = secrets.token_urlsafe(32)
        await self.refreshes.add(
            token_hash=hash_token(refresh),
            family=family,
            user_id=user.id,
            expires_at=datetime.now(UTC) + self.refresh_ttl,
        )
        access = self.issuer.issue(
            user_id=user.id, username=user.username, roles=list(user.roles), session_id=family
        )
        return TokenPair(
            access_token=access,
            refresh_token=refresh,
            expires_in=int(self.issuer.ttl.total_seconds()),
            refresh_expires_in=int(self.refresh_ttl.total_seconds()),
            session_id=family,
            user=user,
        )

    async def rotate(self, refresh_token: str) -> TokenPair:
        """Trade a refresh token for a new pair; reusing an old one ends the whole login."""
        stored = await self.refreshes.claim(hash_token(refresh_token))
        if stored is None or stored.revoked:
            raise UnauthorizedError("refresh token is not valid")
        if stored.rotated:
            # a rotated token came back: it was stolen or replayed; end the session everywhere
            await self._end_family(stored.family)
            raise UnauthorizedError("refresh token was already used; session ended")
        if stored.expires_at <= datetime.now(UTC):
            raise UnauthorizedError("refresh token expired")
        user = await self.users.by_id(stored.user_id)
        if user is None:
            raise UnauthorizedError("account no longer exists")
        return await self.start(user, family=stored.family)  # roles re-read on every refresh

    async def end(self, refresh_token: str) -> None:
        """Log out: revoke the login the token belongs to (unknown tokens are ignored)."""
        stored = await self.refreshes.claim(hash_token(refresh_token))
        if stored is not None:
            await self._end_family(stored.family)

    async def _end_family(self, family: str) -> None:
        """No more refreshes for the login, and its access tokens refused by every service."""
        await self.refreshes.revoke_family(family)
        if self.revocations is not None:
            await self.revocations.revoke_session(
                session_id=family, keep_seconds=self._keep_seconds
            )

    async def is_revoked(self, principal: Principal) -> bool:
        """Whether a verified token was revoked since (a logout or a role change)."""
        if self.revocations is None:
            return False
        return await self.revocations.revoked(principal) is not None

    async def change_roles(self, *, user_id: int, roles: list[str]) -> User:
        """Set a user's roles; tokens issued before stop working at once everywhere.

        The user's refresh token still works and its next access token carries the new roles.
        """
        user = await grant_roles(store=self.users, user_id=user_id, roles=roles)
        if self.revocations is not None:
            await self.revocations.revoke_user(user_id=user.id, keep_seconds=self._keep_seconds)
        return user
