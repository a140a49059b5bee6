"""The outbox → Kafka → consumer path, on the real broker and database."""

import asyncio
import signal
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import common_procs as procs  # test helper module next to this file
import httpx
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from common.db import session_factory, transaction
from common.events.articles import ArticleDeleted
from common.kafka import EventPublisher, start_producer
from common.outbox import OutboxRelay, add_event
from common.service import create_service_app, running_relay
from common.settings import ServiceSettings
from common.telemetry import configure_telemetry

Spawn = Callable[..., Any]
NOTE_IDS = 50_000_000  # article ids of note events, apart from other tests' events on the topic


async def poll(check: Callable[[], Any], *, deadline: float = 30.0) -> Any:
    """Await ``check()`` until it returns something truthy, or fail at the deadline."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if result := await check():
            return result
        await asyncio.sleep(0.1)
    raise AssertionError("condition not met before the deadline")


def notes_app(settings: ServiceSettings, engine: AsyncEngine) -> FastAPI:
    sessions = session_factory(engine)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with running_relay(settings=settings, engine=engine, table=procs.outbox):
            yield

    app = create_service_app(settings=settings, title="notes", lifespan=lifespan)

    @app.post("/notes")
    async def create_note(body: str, fail: bool = False) -> dict[str, int]:
        async with transaction(sessions) as session:
            note_id = await session.scalar(
                procs.notes.insert().values(body=body).returning(procs.notes.c.id)
            )
            assert note_id is not None
            await add_event(
                session,
                procs.outbox,
                ArticleDeleted(article_id=NOTE_IDS + note_id, section_id=1),
                key=str(note_id),
                producer="notes",
            )
            if fail:
                raise RuntimeError("failure after writing")
        return {"id": note_id}

    return app


async def handled_rows(engine: AsyncEngine, group: str, article_ids: list[int]) -> list[Any]:
    async with engine.connect() as conn:
        t = procs.handled
        rows = await conn.execute(
            select(t).where(t.c.consumer == group, t.c.article_id.in_(article_ids))
        )
        return list(rows)


async def test_http_write_is_relayed_to_a_consumer_process_in_one_trace(
    common_infra: ServiceSettings, engine: AsyncEngine, spawn: Spawn
) -> None:
    """The caller's trace id reaches the consumer: HTTP, outbox, Kafka, handler. (Whether
    spans are recorded depends on an exporter being set; the ids travel either way.)"""
    configure_telemetry(common_infra)
    trace_id = uuid.uuid4().hex
    traceparent = f"00-{trace_id}-{uuid.uuid4().hex[:16]}-01"
    group = f"flow-{uuid.uuid4().hex[:8]}"
    spawn("consume", TEST_GROUP=group)
    app = notes_app(common_infra, engine)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://notes") as client,
    ):
        response = await client.post(
            "/notes", params={"body": "你好"}, headers={"traceparent": traceparent}
        )
        assert response.status_code == 200
        note_id = response.json()["id"]
        rows = await poll(lambda: handled_rows(engine, group, [NOTE_IDS + note_id]))
    assert rows[0].trace_id == trace_id


async def test_a_failed_request_leaves_neither_row_nor_event(
    common_infra: ServiceSettings, engine: AsyncEngine
) -> None:
    app = notes_app(common_infra, engine)
    async with engine.connect() as conn:
        before = await conn.scalar(select(func.count()).select_from(procs.outbox))
    transport = httpx.ASGITransport(app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://notes") as client:
        response = await client.post("/notes", params={"body": "x", "fail": "true"})
    assert response.status_code == 500
    async with engine.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(procs.outbox)) == before
        assert await conn.scalar(select(func.count()).where(procs.notes.c.body == "x")) == 0


async def test_a_relay_killed_before_marking_sent_resends_and_the_duplicate_is_dropped(
    common_infra: ServiceSettings, engine: AsyncEngine, spawn: Spawn, tmp_path: Path
) -> None:
    group = f"kill-{uuid.uuid4().hex[:8]}"
    spawn("consume", TEST_GROUP=group)
    # drain whatever other tests left unsent, so the hanging relay takes exactly our rows
    producer = await start_producer(common_infra, client_id="test-drain")
    relay = OutboxRelay(
        engine=engine,
        table=procs.outbox,
        publisher=EventPublisher(producer, common_infra),
        schema="x",
    )
    while await relay.relay_once():
        pass
    ids = [900_000 + i for i in range(3)]
    async with transaction(session_factory(engine)) as session:
        for article_id in ids:
            await add_event(
                session,
                procs.outbox,
                ArticleDeleted(article_id=article_id, section_id=1),
                key=str(article_id),
                producer="t",
            )
    marker = tmp_path / "published"
    hanging = spawn("relay-hang", TEST_MARKER=str(marker))
    await poll(lambda: asyncio.sleep(0, marker.exists()))
    hanging.send_signal(signal.SIGKILL)
    hanging.wait()
    async with engine.connect() as conn:
        unsent = await conn.scalar(
            select(func.count()).select_from(procs.outbox).where(procs.outbox.c.sent_at.is_(None))
        )
    assert unsent == 3, "a killed relay must leave its rows unsent"
    try:
        assert await relay.relay_once() == 3
    finally:
        await producer.stop()
    rows = await poll(lambda: _when_len(handled_rows(engine, group, ids), 3))
    assert sorted(r.article_id for r in rows) == ids
    async with engine.connect() as conn:
        dups = await poll(lambda: _dup_count(conn, [r.event_id for r in rows], 3))
    assert dups == 3, "each event arrived twice and was handled once"


async def _when_len(rows_coro: Any, n: int) -> Any:
    rows = await rows_coro
    return rows if len(rows) >= n else None


async def _dup_count(conn: Any, event_ids: list[uuid.UUID], n: int) -> int | None:
    t = procs.duplicates
    count = await conn.scalar(
        select(func.count()).select_from(t).where(t.c.event_id.in_(event_ids))
    )
    return count if count >= n else None


async def test_a_relay_publishes_at_commit_not_at_its_next_poll(
    common_infra: ServiceSettings, engine: AsyncEngine
) -> None:
    """The writer's notification wakes the relay: no waiting for the (long) poll interval."""
    producer = await start_producer(common_infra, client_id="test-notify")
    relay = OutboxRelay(
        engine=engine,
        table=procs.outbox,
        publisher=EventPublisher(producer, common_infra),
        schema=common_infra.db_schema,
        poll_interval=60.0,
    )
    running = asyncio.create_task(relay.run())
    try:
        await poll(lambda: _all_sent(engine))  # whatever other tests left goes first
        await asyncio.sleep(0.5)  # the relay is idle now, in its 60 s wait
        async with transaction(session_factory(engine)) as session:
            envelope = await add_event(
                session,
                procs.outbox,
                ArticleDeleted(article_id=NOTE_IDS + 999, section_id=1),
                key="notify",
                producer="t",
            )
        committed = time.monotonic()
        await poll(lambda: _sent(engine, envelope.event_id), deadline=10)
        assert time.monotonic() - committed < 2.0, "sent at commit, not at the next poll"
    finally:
        relay.stop()
        await asyncio.wait({running}, timeout=5)
        await producer.stop()


async def _all_sent(engine: AsyncEngine) -> bool:
    async with engine.connect() as conn:
        unsent = select(func.count()).select_from(procs.outbox)
        return await conn.scalar(unsent.where(procs.outbox.c.sent_at.is_(None))) == 0


async def _sent(engine: AsyncEngine, event_id: uuid.UUID) -> bool:
    async with engine.connect() as conn:
        sent_at = await conn.scalar(
            select(procs.outbox.c.sent_at).where(procs.outbox.c.event_id == event_id)
        )
    return sent_at is not None
