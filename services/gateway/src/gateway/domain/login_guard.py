"""Brute-force protection that cannot be turned against the account's owner.

A fixed lock after N wrong passwords lets anyone lock anyone out. Instead, wrong passwords
make the *client that sent them* wait, longer after each one (1 s, 2 s, 4 s... up to a cap),
per (account, client). Guessing spread over many clients is slowed by a second, looser
delay per account, which spares clients the account has logged in from before: the owner
on a known device always gets through, and on a new device waits at most the looser cap.
"""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from common.errors import TooManyRequestsError


@dataclass(frozen=True, slots=True)
class LoginPolicy:
    """How failures turn into delays."""

    free_failures: int = 3  # per (account, client) before any delay
    max_delay_seconds: int = 900
    account_free_failures: int = 20  # from every client together
    account_max_delay_seconds: int = 60
    window_seconds: int = 3600  # failures are forgotten an hour after the last one
    known_client_seconds: int = 30 * 24 * 3600


def delay_after(failures: int, *, free: int, cap: int) -> int:
    """Seconds to wait after ``failures`` wrong passwords: 0, then doubling from 1 to ``cap``."""
    if failures < free:
        return 0
    doubling: int = 2 ** min(failures - free, 30)
    return min(cap, doubling)


@dataclass(frozen=True, slots=True)
class LoginGuard:
    """Delays per (account, client) and per account in Redis, shared by every gateway copy."""

    redis: Redis
    prefix: str
    policy: LoginPolicy

    def _key(self, kind: str, account: str, client: str = "") -> str:
        # one hash tag per (account, client): `succeeded` deletes two of its keys in one
        # command, which a Redis Cluster allows only within one slot
        return f"{self.prefix}:login:{kind}:{{{account}:{client}}}"

    async def check(self, username_key: str, client: str) -> None:
        """Refuse with 429 (and Retry-After) while this client must wait for this account."""
        pipe = self.redis.pipeline(transaction=False)
        pipe.pttl(self._key("wait", username_key, client))
        pipe.pttl(self._key("wait-all", username_key))
        pipe.exists(self._key("known", username_key, client))
        client_wait, account_wait, known = await pipe.execute()
        if client_wait > 0:
            raise TooManyRequestsError(
                "too many wrong passwords from here; wait before trying again",
                retry_after=_seconds(client_wait),
            )
        if account_wait > 0 and not known:
            raise TooManyRequestsError(
                "too many wrong passwords for this account from many places; wait before "
                "trying again (devices that logged in here before are not delayed)",
                retry_after=_seconds(account_wait),
            )

    async def failed(self, username_key: str, client: str) -> None:
        """Count a wrong password for the client and the account; start their waits."""
        p, window = self.policy, self.policy.window_seconds
        pipe = self.redis.pipeline(transaction=False)
        for key in (self._key("fail", username_key, client), self._key("fail-all", username_key)):
            pipe.incr(key)
            pipe.expire(key, window)
        mine, _, everyone, _ = await pipe.execute()
        waits = (
            (self._key("wait", username_key, client), mine, p.free_failures, p.max_delay_seconds),
            (
                self._key("wait-all", username_key),
                everyone,
                p.account_free_failures,
                p.account_max_delay_seconds,
            ),
        )
        pipe = self.redis.pipeline(transaction=False)
        for key, failures, free, cap in waits:
            if delay := delay_after(int(failures), free=free, cap=cap):
                pipe.set(key, 1, ex=delay)
        await pipe.execute()

    async def succeeded(self, username_key: str, client: str) -> None:
        """Forget the client's failures and remember it as one of the account's devices."""
        pipe = self.redis.pipeline(transaction=False)
        pipe.delete(
            self._key("fail", username_key, client), self._key("wait", username_key, client)
        )
        pipe.set(self._key("known", username_key, client), 1, ex=self.policy.known_client_seconds)
        await pipe.execute()


def _seconds(pttl_ms: int) -> int:
    return max(1, -(-int(pttl_ms) // 1000))
