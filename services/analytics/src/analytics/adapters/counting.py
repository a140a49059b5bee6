"""Applying Kafka messages to the live state: one atomic script call per message."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import orjson
from redis.asyncio import Redis

from analytics.adapters.keys import META_READY, Keys
from analytics.adapters.scripts import Scripts
from analytics.domain.buckets import RETENTION
from analytics.domain.plan import ViewPlan, build_plan
from analytics.domain.views import ViewRow
from analytics.settings import Settings


class Mode(StrEnum):
    """``apply`` counts; ``prime`` only re-creates dedup state and applied markers."""

    APPLY = "apply"
    PRIME = "prime"


AGAIN = "again"  # the script's answer for a batch to plan again (see apply_views)


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
    address_new_visitors: int = 6
    address_window: int = 600  # seconds, a whole number of minutes
    address_new_accounts: int = 60

    @classmethod
    def from_settings(cls, settings: Settings) -> CountingRules:
        """Rules from settings."""
        return cls(
            applied_ttl=settings.applied_ttl_seconds,
            dedup_window=settings.dedup_window_seconds,
            bot_reads_per_minute=settings.bot_reads_per_minute,
            bot_threshold_x100=round(settings.bot_score_threshold * 100),
            address_new_visitors=settings.address_new_visitors,
            address_window=settings.address_window_seconds,
            address_new_accounts=settings.address_new_accounts,
        )


class LiveState:
    """The Redis side of counting: views batches and article/comment event commands."""

    def __init__(self, *, redis: Redis, keys: Keys, rules: CountingRules) -> None:
        self.redis = redis
        self.keys = keys
        self.rules = rules
        self.scripts = Scripts.register(redis)
        self._script_names = orjson.dumps(keys.counting_script_names())

    async def apply_views(
        self,
        field: str,
        batches: Sequence[tuple[MessageRef, Sequence[ViewRow]]],
        *,
        mode: Mode = Mode.APPLY,
        expect: str = META_READY,
        plan: ViewPlan | None = None,
    ) -> list[Outcome]:
        """Apply consecutive view batches of one partition atomically; one outcome each.

        ``batches`` carry rows from :func:`analytics.domain.views.view_rows`; ``plan``
        may be given when already built from all of them (see :meth:`plan`). A batch
        whose event id was applied before (or appears earlier in ``batches``) counts
        nothing. Usually one script call; when only some batches were applied before, the
        script writes nothing and the rest are planned and applied again without them.
        """
        outcomes: dict[int, Outcome] = {}
        first_seen: dict[str, int] = {}
        for i, (ref, _rows) in enumerate(batches):
            if first_seen.setdefault(ref.event_id, i) != i:
                outcomes[i] = Outcome.DUPLICATE
        last = max((ref.offset for ref, _ in batches), default=-1)
        todo = [i for i in range(len(batches)) if i not in outcomes]
        if len(todo) < len(batches):
            plan = None
        while todo:
            chosen = [batches[i] for i in todo]
            answer = await self._apply_plan(
                field, chosen, plan or self.plan(chosen), last=last, mode=mode, expect=expect
            )
            plan = None
            if not isinstance(answer, list):
                return [Outcome(_text(answer))] * len(batches)
            again = []
            for i, status in zip(todo, answer, strict=True):
                if _text(status) == AGAIN:
                    again.append(i)
                else:
                    outcomes[i] = Outcome(_text(status))
            todo = again
        return [outcomes[i] for i in range(len(batches))]

    def plan(self, batches: Sequence[tuple[MessageRef, Sequence[ViewRow]]]) -> ViewPlan:
        """The counting plan of the batches' rows (CPU only; no Redis)."""
        rows = (row for _, batch_rows in batches for row in batch_rows)
        return build_plan(
            rows,
            bot_threshold=self.rules.bot_threshold_x100,
            address_minutes=max(1, self.rules.address_window // 60),
        )

    async def _apply_plan(
        self,
        field: str,
        batches: Sequence[tuple[MessageRef, Sequence[ViewRow]]],
        plan: ViewPlan,
        *,
        last: int,
        mode: Mode,
        expect: str,
    ) -> object:
        r = self.rules
        args: list[str | bytes | int] = [
            self._script_names,
            expect,
            field,
            mode.value,
            r.applied_ttl,
            2 * r.dedup_window + 60,
            r.bot_reads_per_minute,
            last,
            RETENTION["m"],
            RETENTION["h"],
            RETENTION["d"],
            orjson.dumps([ref.event_id for ref, _ in batches]),
            *plan.args,
            r.address_new_visitors,
            2 * r.address_window + 60,
            r.address_new_accounts,
        ]
        answer: object = await self.scripts.apply_views(keys=[self.keys.slot_key], args=args)
        return answer

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
        return Outcome(_text(await self.scripts.apply_ops(keys=[self.keys.slot_key], args=args)))

    async def article_meta(self, article_id: int) -> bytes | None:
        """The stored JSON meta of an article, if any."""
        value = await self.redis.hget(self.keys.article_meta, str(article_id))
        return value if isinstance(value, bytes) or value is None else str(value).encode()


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
