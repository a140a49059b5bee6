"""Brute-force protection: an account locks for a while after repeated wrong passwords."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from common.errors import TooManyRequestsError


@dataclass(frozen=True, slots=True)
class LoginGuard:
    """Counts failed logins per account (across gateway copies) and locks it temporarily."""

    redis: Redis
    prefix: str
    max_failures: int
    lock_seconds: int

    def _key(self, username_key: str) -> str:
        return f"{self.prefix}:loginfail:{username_key}"

    async def check(self, username_key: str) -> None:
        """Refuse with 429 while the account is locked."""
        key = self._key(username_key)
        failures = await self.redis.get(key)
        if failures is not None and int(failures) >= self.max_failures:
            ttl = await self.redis.ttl(key)
            raise TooManyRequestsError(
                "too many failed logins for this account; try again later",
                retry_after=max(1, int(ttl)),
            )

    async def failed(self, username_key: str) -> None:
        """Remember one more failure; the lock period restarts with each."""
        key = self._key(username_key)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, self.lock_seconds)
            await pipe.execute()

    async def succeeded(self, username_key: str) -> None:
        """Forget earlier failures."""
        await self.redis.delete(self._key(username_key))
