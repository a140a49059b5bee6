"""Revoked access tokens: logouts and role changes take effect at once in every service.

An access token lives for minutes; revoking it by id would need every token id stored.
Instead the gateway writes two kinds of marker to Redis, each kept only as long as a token
it covers could still be valid:

- ``user:<id>`` holds a time T (ms): tokens of that user issued at or before T are revoked
  (a role granted or removed, a password changed);
- ``session:<sid>`` exists: every token of that login is revoked (a logout, or a refresh
  token reused by a thief).

Every service checks both markers with one ``MGET`` on each request that carries a token;
anonymous requests cost nothing.
"""

from __future__ import annotations

import time

from redis.asyncio import Redis

from common.auth import Principal


class RevocationList:
    """The markers in Redis, shared by every service and every gateway copy."""

    def __init__(self, redis: Redis, *, prefix: str) -> None:
        self.redis = redis
        self._prefix = prefix

    def _user_key(self, user_id: int) -> str:
        return f"{self._prefix}:revoked:user:{user_id}"

    def _session_key(self, session_id: str) -> str:
        return f"{self._prefix}:revoked:session:{session_id}"

    async def revoke_user(self, *, user_id: int, keep_seconds: int) -> None:
        """Revoke every token of a user issued until now (new ones are unaffected)."""
        now_ms = int(time.time() * 1000)
        await self.redis.set(self._user_key(user_id), now_ms, ex=keep_seconds)

    async def revoke_session(self, *, session_id: str, keep_seconds: int) -> None:
        """Revoke every access token of one login."""
        if session_id:
            await self.redis.set(self._session_key(session_id), 1, ex=keep_seconds)

    async def revoked(self, principal: Principal) -> str | None:
        """Why the principal's token is revoked, or None when it still stands."""
        keys = [self._user_key(principal.user_id)]
        if principal.session_id:
            keys.append(self._session_key(principal.session_id))
        found = await self.redis.mget(keys)
        if found[0] is not None and principal.issued_ms <= int(found[0]):
            return "token revoked: the account's roles or credentials changed; log in again"
        if len(found) > 1 and found[1] is not None:
            return "token revoked: the session was logged out"
        return None
