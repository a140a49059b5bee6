"""Restoring the live state after a Redis loss, rebuilding it from Kafka, and startup checks."""

from __future__ import annotations

import asyncio
import logging
import secrets

from aiokafka import TopicPartition
from sqlalchemy.ext.asyncio import AsyncEngine

from analytics.adapters.counting import LiveState, Mode
from analytics.adapters.kafka_log import (
    GroupBusyError,
    RecordsHandler,
    log_bounds,
    replay,
    reset_group,
    wait_until_empty,
)
from analytics.adapters.keys import META_READY, text
from analytics.adapters.restore import LoadedSnapshot, load_snapshot, wipe
from analytics.consumers.handlers import EventsHandler, ViewsHandler
from analytics.runtime import bot_scorer
from analytics.settings import Settings
from common.events import VIEWS_TOPIC
from common.kafka import ConsumedEvent

log = logging.getLogger(__name__)
RESTORING, REBUILDING = "restoring", "rebuilding"


def _handlers(
    settings: Settings, state: LiveState, *, mode: Mode, expect: str
) -> dict[str, RecordsHandler]:
    views = ViewsHandler(
        state=state,
        scorer=bot_scorer(settings),
        mode=mode,
        expect=expect,
        views_per_call=settings.views_per_call,
        dedup_window=settings.dedup_window_seconds,
    )
    events = EventsHandler(state=state, mode=mode, expect=expect)

    async def each_event(batch: list[ConsumedEvent]) -> None:
        for event in batch:
            await events(event)

    return {
        topic: (views if topic == settings.topic(VIEWS_TOPIC) else each_event)
        for topic in settings.topic_groups()
    }


def _field(tp: TopicPartition) -> str:
    return f"{tp.topic}:{tp.partition}"


async def _replay(
    settings: Settings,
    state: LiveState,
    ranges: dict[TopicPartition, tuple[int, int]],
    *,
    mode: Mode,
    expect: str,
) -> int:
    handlers = _handlers(settings, state, mode=mode, expect=expect)
    return await replay(settings, ranges, lambda topic: handlers[topic])


async def _point_groups(settings: Settings, offsets: dict[str, int]) -> None:
    """Make each consumer group resume where the live state says it has counted up to."""
    begin, _, _ = await log_bounds(settings, settings.topic_groups())
    for group in sorted(set(settings.topic_groups().values())):
        topics = {t for t, g in settings.topic_groups().items() if g == group}
        wanted = {tp: offsets.get(_field(tp), b) for tp, b in begin.items() if tp.topic in topics}
        await reset_group(settings, group, wanted)


async def _groups_empty(settings: Settings, *, patience: float) -> None:
    for group in sorted(set(settings.topic_groups().values())):
        await wait_until_empty(settings, group, patience=patience)


async def restore_state(
    *, settings: Settings, state: LiveState, engine: AsyncEngine
) -> LoadedSnapshot:
    """Last rollup from Postgres, dedup state primed from Kafka, groups pointed at its offsets.

    The consumers must be stopped (this waits for their groups to empty). When they start,
    they replay Kafka from the rollup's offsets and reach the numbers they would have had.
    """
    redis, keys = state.redis, state.keys
    await _groups_empty(settings, patience=settings.restore_wait_seconds)
    await wipe(redis, keys)
    await redis.set(keys.meta, RESTORING)
    snap = await load_snapshot(redis=redis, keys=keys, engine=engine)
    if snap.taken_at is not None:
        since = snap.taken_at.timestamp() - settings.restore_lookback_seconds
        _, _, first = await log_bounds(settings, settings.topic_groups(), since=since)
        ranges = {tp: (start, snap.offsets.get(_field(tp), 0)) for tp, start in first.items()}
        primed = await _replay(settings, state, ranges, mode=Mode.PRIME, expect=RESTORING)
        log.info("primed dedup state from %d message(s) before the rollup", primed)
    await _point_groups(settings, snap.offsets)
    await redis.set(keys.meta, META_READY)
    log.info("restored %d article(s), rollup of %s", snap.articles, snap.taken_at)
    return snap


async def rebuild_state(*, settings: Settings, state: LiveState) -> int:
    """Replay every topic from its beginning to its current end into ``state``'s prefix."""
    redis, keys = state.redis, state.keys
    await wipe(redis, keys)
    await redis.set(keys.meta, REBUILDING)
    begin, end, _ = await log_bounds(settings, settings.topic_groups())
    ranges = {tp: (begin[tp], end[tp]) for tp in begin}
    handled = await _replay(settings, state, ranges, mode=Mode.APPLY, expect=REBUILDING)
    await redis.set(keys.meta, META_READY)
    return handled


async def ensure_ready(*, settings: Settings, state: LiveState, engine: AsyncEngine) -> None:
    """Before consuming: restore a missing state; then point idle groups at its offsets."""
    redis, keys = state.redis, state.keys
    token = secrets.token_hex(8)
    while not await redis.set(keys.lock("restore"), token, nx=True, px=600_000):  # noqa: ASYNC110 - the lock lives in Redis, not in this process
        await asyncio.sleep(0.2)  # another process is restoring
    try:
        if await redis.get(keys.meta) != META_READY.encode():
            log.warning("live state missing: restoring from the last rollup and Kafka")
            await restore_state(settings=settings, state=state, engine=engine)
            return
        offsets = {text(k): int(v) for k, v in (await redis.hgetall(keys.offsets)).items()}
        try:
            await _groups_empty(settings, patience=0)
            await _point_groups(settings, offsets)
        except GroupBusyError:
            # other copies are consuming, or one joined while we looked (two started at
            # once): the group's offsets are theirs
            return
    finally:
        await state.scripts.release(keys=[keys.lock("restore")], args=[token])
