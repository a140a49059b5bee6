"""Visitor identity: a salted hash of IP and user agent; the salt is random and changes daily."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, date, datetime

from redis.asyncio import Redis

SALT_TTL_SECONDS = 2 * 24 * 3600  # yesterday's salt lingers briefly, then is gone for good


class VisitorHasher:
    """Hashes (ip, user agent) with the salt of the UTC day; no raw IP is ever kept.

    The salt of each day is random, shared by every gateway copy through Redis, and
    expires, so yesterday's hashes cannot be linked to today's or reversed later.
    """

    def __init__(self, redis: Redis, *, key_prefix: str = "visitor-salt") -> None:
        self._redis = redis
        self._prefix = key_prefix
        self._cache: tuple[date, bytes] | None = None

    async def salt_for(self, day: date) -> bytes:
        """The salt of ``day``, created by whichever copy asks first."""
        if self._cache and self._cache[0] == day:
            return self._cache[1]
        key = f"{self._prefix}:{day.isoformat()}"
        await self._redis.set(key, secrets.token_hex(32), nx=True, ex=SALT_TTL_SECONDS)
        value = await self._redis.get(key)
        if value is None:
            raise RuntimeError("visitor salt vanished from Redis")
        salt = value if isinstance(value, bytes) else str(value).encode()
        self._cache = (day, salt)
        return salt

    async def visitor(self, *, ip: str, user_agent: str, at: datetime | None = None) -> str:
        """The visitor id of a client on the day of ``at`` (now by default)."""
        day = (at or datetime.now(UTC)).astimezone(UTC).date()
        salt = await self.salt_for(day)
        return hash_visitor(salt, ip, user_agent)


def hash_visitor(salt: bytes, ip: str, user_agent: str) -> str:
    """A 32-hex-character visitor id."""
    return hmac.new(salt, f"{ip}\x00{user_agent}".encode(), hashlib.sha256).hexdigest()[:32]
