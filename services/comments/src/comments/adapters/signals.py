"""Per-submission signals from Redis in one round trip: rate limits, duplicates, floods."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal

from redis.asyncio import Redis
from redis.exceptions import RedisError

from comments.domain.model import Author
from comments.settings import Settings

log = logging.getLogger(__name__)
Scope = Literal["user", "client"]


@dataclass(frozen=True, slots=True)
class Signals:
    """What Redis says about one submission (shared by every copy of the service)."""

    rate_limited: Scope | None
    duplicate: bool
    flood: bool
    words_version: int | None
    # what this submission itself left in Redis: only that may be forgotten if it is refused,
    # so a refused resubmission never erases the marks of the comment it repeats
    marked_duplicate: bool = False
    joined_flood: bool = False


def words_version_key(prefix: str) -> str:
    """The Redis key every copy watches to notice word-list edits."""
    return f"{prefix}:words:version"


class SubmissionSignals:
    """Counts submissions per user and client in fixed windows, and remembers texts."""

    def __init__(self, redis: Redis, settings: Settings) -> None:
        self._redis = redis
        self._s = settings
        self._prefix = settings.redis_prefix

    def _limits(self, author: Author) -> list[tuple[Scope, str, int, int]]:
        s = self._s
        limits: list[tuple[Scope, str, int, int]] = [
            ("client", author.client_id, s.rate_client_per_minute, s.rate_client_per_hour)
        ]
        if author.user_id is not None:
            limits.insert(
                0, ("user", str(author.user_id), s.rate_user_per_minute, s.rate_user_per_hour)
            )
        return limits

    async def gather(
        self, *, author: Author, fingerprint: str, core_length: int, now: float
    ) -> Signals:
        """Count this submission and answer every Redis-backed question at once."""
        p, s = self._prefix, self._s
        limits = self._limits(author)
        pipe = self._redis.pipeline(transaction=False)
        for scope, ident, _, _ in limits:
            for window, span in (("m", 60), ("h", 3600)):
                key = f"{p}:rl:{scope}:{ident}:{window}:{int(now // span)}"
                pipe.incr(key)
                pipe.expire(key, span * 2)
        pipe.set(f"{p}:dup:{author.key}:{fingerprint}", 1, nx=True, ex=s.duplicate_window_seconds)
        flood_key = f"{p}:flood:{fingerprint}"
        pipe.sadd(flood_key, author.key)
        pipe.expire(flood_key, s.flood_window_seconds)
        pipe.scard(flood_key)
        pipe.get(words_version_key(p))
        replies: list[Any] = await pipe.execute()
        marked = replies[len(limits) * 4] is not None
        return Signals(
            rate_limited=_over_limit(limits, replies),
            duplicate=not marked,
            flood=core_length >= s.flood_min_length and int(replies[-2]) > s.flood_threshold,
            words_version=None if replies[-1] is None else int(replies[-1]),
            marked_duplicate=marked,
            joined_flood=int(replies[len(limits) * 4 + 1]) == 1,
        )

    async def forget(self, *, author: Author, fingerprint: str, signals: Signals) -> None:
        """Drop what a refused submission itself left behind, so its text may be sent again.

        Marks an earlier submission set stay: a duplicate refused by the rate limit must
        still be a duplicate when it is sent again.
        """
        if not (signals.marked_duplicate or signals.joined_flood):
            return
        p = self._prefix
        try:
            pipe = self._redis.pipeline(transaction=False)
            if signals.marked_duplicate:
                pipe.delete(f"{p}:dup:{author.key}:{fingerprint}")
            if signals.joined_flood:
                pipe.srem(f"{p}:flood:{fingerprint}", author.key)
            await pipe.execute()
        except RedisError:
            log.warning("could not forget a refused submission's fingerprint", exc_info=True)


def _over_limit(limits: list[tuple[Scope, str, int, int]], replies: list[Any]) -> Scope | None:
    for i, (scope, _, per_minute, per_hour) in enumerate(limits):
        minute, hour = int(replies[i * 4]), int(replies[i * 4 + 2])
        if (0 < per_minute < minute) or (0 < per_hour < hour):
            return scope
    return None
