"""Message handlers shared by the live consumers, restores and rebuilds."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from functools import partial

import orjson
from prometheus_client import Counter
from redis.exceptions import ClusterDownError, SlotNotCoveredError, TryAgainError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from analytics.adapters.counting import LiveState, MessageRef, Mode, Outcome
from analytics.adapters.keys import META_READY
from analytics.domain.article_events import ops_for, previous_path_of
from analytics.domain.bots import BotScorer
from analytics.domain.plan import ViewPlan
from analytics.domain.views import ViewRow, view_rows
from common.events.views import ViewsRecorded
from common.kafka import ConsumedEvent

log = logging.getLogger(__name__)
BATCHES = Counter("analytics_view_batches_total", "View batches handled", ["outcome"])
VIEWS = Counter("analytics_views_total", "Views in batches applied for the first time")
LISTING_EVENTS = ("article.published", "article.updated")


class StateLostError(Exception):
    """The live state vanished (e.g. Redis restarted empty): counting must stop for a restore."""


StateLostCallback = Callable[[], None]


def _state_lost(callback: StateLostCallback | None) -> None:
    """Tell the process to stop (its restart restores the state), or raise in a replay.

    A live consumer must not raise here: the consumer runner would dead-letter good
    messages. Returning lets it commit, which is harmless: a restore resets the group's
    offsets to those recorded with the restored state.
    """
    if callback is None:
        raise StateLostError("live state missing; restore before counting")
    log.error("live state missing (Redis lost?): stopping for a restore")
    callback()


def message_ref(event: ConsumedEvent) -> MessageRef:
    """The reference the scripts record for a consumed message."""
    return MessageRef(str(event.envelope.event_id), event.topic, event.partition, event.offset)


# Redis away, or a cluster between slot maps (a failover under way): the call is retried
# (safe: a batch or event applied before counts nothing the second time)
UNAVAILABLE = (
    RedisConnectionError,
    RedisTimeoutError,
    OSError,
    ClusterDownError,
    TryAgainError,
    SlotNotCoveredError,
)


async def _patiently(
    attempt: Callable[[], Awaitable[list[Outcome]]], *, what: str
) -> list[Outcome]:
    """Run a script call until Redis answers; Kafka must not move on while Redis is away."""
    delay = 0.05
    while True:
        try:
            return await attempt()
        except UNAVAILABLE as exc:
            log.warning("redis unavailable while applying %s, retrying: %r", what, exc)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)


class ViewsHandler:
    """Batch handler for ``analytics.views``: every message applied atomically, once.

    Consecutive messages of the partition are grouped into one script call of up to
    ``views_per_call`` views; the next group is prepared while Redis applies the current one.
    Groups are applied strictly in order, so the partition's offsets stay contiguous.
    """

    def __init__(
        self,
        *,
        state: LiveState,
        scorer: BotScorer,
        mode: Mode = Mode.APPLY,
        expect: str = META_READY,
        on_state_lost: StateLostCallback | None = None,
        views_per_call: int = 10_000,
        dedup_window: int,
    ) -> None:
        self._state = state
        self._window = dedup_window
        self._scorer = scorer
        self._mode = mode
        self._expect = expect
        self._on_state_lost = on_state_lost
        self._views_per_call = views_per_call

    def _groups(self, events: Sequence[ConsumedEvent]) -> list[list[ConsumedEvent]]:
        groups: list[list[ConsumedEvent]] = []
        size = self._views_per_call
        for event in events:
            if event.envelope.event_type != ViewsRecorded.event_type:
                continue
            n = len(event.envelope.data.get("views", ()))
            if size + n > self._views_per_call and (not groups or groups[-1]):
                groups.append([])
                size = 0
            groups[-1].append(event)
            size += n
        return groups

    async def __call__(self, events: Sequence[ConsumedEvent]) -> None:
        """Apply the batches of one partition in order."""
        running: asyncio.Task[bool] | None = None
        for group in self._groups(events):
            prepared = [
                (
                    message_ref(e),
                    view_rows(
                        e.envelope.data,
                        scorer=self._scorer,
                        window=self._window,
                        version=e.envelope.event_version,
                    ),
                )
                for e in group
            ]
            plan = self._state.plan(prepared)
            if running is not None and not await running:
                return
            running = asyncio.create_task(self._apply(group, prepared, plan))
            await asyncio.sleep(0)  # let it send its call before the next group is prepared
        if running is not None:
            await running

    async def _apply(
        self,
        group: list[ConsumedEvent],
        prepared: list[tuple[MessageRef, list[ViewRow]]],
        plan: ViewPlan,
    ) -> bool:
        field = prepared[0][0].field
        call = partial(
            self._state.apply_views,
            field,
            prepared,
            mode=self._mode,
            expect=self._expect,
            plan=plan,
        )
        while True:
            outcomes = await _patiently(call, what="views")
            if outcomes[0] is Outcome.NO_STATE:
                _state_lost(self._on_state_lost)
                return False
            if outcomes[0] is not Outcome.FROZEN:
                break
            await asyncio.sleep(0.01)
        for event, outcome in zip(group, outcomes, strict=True):
            BATCHES.labels(outcome.value).inc()
            if outcome is Outcome.APPLIED and self._mode is Mode.APPLY:
                VIEWS.inc(len(event.envelope.data.get("views", ())))
        return True


class EventsHandler:
    """Handler for ``articles.events`` and ``comments.events``."""

    def __init__(
        self,
        *,
        state: LiveState,
        mode: Mode = Mode.APPLY,
        expect: str = META_READY,
        on_state_lost: StateLostCallback | None = None,
    ) -> None:
        self._state = state
        self._mode = mode
        self._expect = expect
        self._on_state_lost = on_state_lost

    async def __call__(self, event: ConsumedEvent) -> None:
        """Apply one event's effect atomically with its applied-marker."""
        envelope = event.envelope
        ref = message_ref(event)
        while True:
            outcomes = await _patiently(
                lambda: self._one(event, ref), what=f"{envelope.event_type} {ref.event_id}"
            )
            if outcomes[0] is Outcome.NO_STATE:
                _state_lost(self._on_state_lost)
                return
            if outcomes[0] is not Outcome.FROZEN:
                return
            await asyncio.sleep(0.01)

    async def _one(self, event: ConsumedEvent, ref: MessageRef) -> list[Outcome]:
        # the article's previous section is read in the retried attempt too: Redis may be
        # away (a failover) for this read as much as for the script call
        envelope = event.envelope
        previous: list[int] = []
        if envelope.event_type in LISTING_EVENTS and self._mode is Mode.APPLY:
            article_id = int(envelope.data.get("article_id", 0))
            previous = previous_path_of(await self._state.article_meta(article_id))
        ops = orjson.dumps(ops_for(envelope, previous_path=previous))
        return [await self._state.apply_ops(ref, ops, mode=self._mode, expect=self._expect)]
