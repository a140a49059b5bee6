"""Applying Kafka messages to the live state: one atomic script call per message."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from redis.asyncio import Redis

from analytics.adapters.keys import META_READY, Keys
from analytics.adapters.scripts import Scripts
from analytics.domain.buckets import RETENTION
from analytics.settings import Settings


class Mode(StrEnum):
    """``apply`` counts; ``prime`` only re-creates dedup state and applied markers."""

    APPLY = "apply"
    PRIME = "prime"


class Outcome(StrEnum):
    """What a script call did with a message."""

    APPLIED = "ok"
    DUPLICATE = "dup"  # this batch id was applied before: nothing counted twice
    FROZEN = "frozen"  # a rollup is reading; try again shortly
    NO_STATE = "nometa"  # the live state is missing or being rebuilt: do not count


@dataclass(frozen=True, slots=True)
class MessageRef:
    """Where a message came from: its event id and Kafka coordinates."""

    event_id: str
    topic: str
    partition: int
    offset: int

    @property
    def field(self) -> str:
        """The offsets-hash field of its partition."""
        return f"{self.topic}:{self.partition}"


@dataclass(frozen=True, slots=True)
class CountingRules:
    """The configuration the counting script needs, as script arguments."""

    applied_ttl: int
    dedup_window: int
    bot_reads_per_minute: int
    bot_threshold_x100: int

    @classmethod
    def from_settings(cls, settings: Settings) -> CountingRules:
        """Rules from settings."""
        return cls(
            applied_ttl=settings.applied_ttl_seconds,
            dedup_window=settings.dedup_window_seconds,
            bot_reads_per_minute=settings.bot_reads_per_minute,
            bot_threshold_x100=round(settings.bot_score_threshold * 100),
        )


class LiveState:
    """The Redis side of counting: views batches and article/comment event commands."""

    def __init__(self, *, redis: Redis, keys: Keys, rules: CountingRules) -> None:
        self.redis = redis
        self.keys = keys
        self.rules = rules
        self.scripts = Scripts.register(redis)

    async def apply_views(
        self,
        field: str,
        batches: Sequence[tuple[MessageRef, bytes]],
        *,
        mode: Mode = Mode.APPLY,
        expect: str = META_READY,
    ) -> list[Outcome]:
        """Apply consecutive view batches of one partition atomically, in one script call.

        ``batches`` carry rows from :func:`analytics.domain.views.view_rows`; the answer
        has one outcome per batch.
        """
        r = self.rules
        payload = (
            b"["
            + b",".join(
                b'["%s",%d,%s]' % (ref.event_id.encode(), ref.offset, rows) for ref, rows in batches
            )
            + b"]"
        )
        args: list[str | bytes | int] = [
            self.keys.prefix,
            expect,
            field,
            mode.value,
            r.applied_ttl,
            2 * r.dedup_window + 60,
            r.bot_reads_per_minute,
            r.bot_threshold_x100,
            RETENTION["m"],
            RETENTION["h"],
            RETENTION["d"],
            payload,
        ]
        answer = await self.scripts.apply_views(keys=[], args=args)
        if isinstance(answer, list):
            return [Outcome(_text(o)) for o in answer]
        return [Outcome(_text(answer))] * len(batches)

    async def apply_ops(
        self,
        ref: MessageRef,
        ops: bytes,
        *,
        mode: Mode = Mode.APPLY,
        expect: str = META_READY,
    ) -> Outcome:
        """Apply one event's commands (JSON from :mod:`analytics.domain.article_events`)."""
        args: list[str | bytes | int] = [
            self.keys.prefix,
            expect,
            ref.event_id,
            ref.field,
            ref.offset,
            mode.value,
            self.rules.applied_ttl,
            ops,
        ]
        return Outcome(_text(await self.scripts.apply_ops(keys=[], args=args)))

    async def article_meta(self, article_id: int) -> bytes | None:
        """The stored JSON meta of an article, if any."""
        value = await self.redis.hget(self.keys.article_meta, str(article_id))
        return value if isinstance(value, bytes) or value is None else str(value).encode()


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
