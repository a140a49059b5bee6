"""Transactional outbox: events are written with the change, then relayed to Kafka.

Every transaction that records an event also sends a Postgres notification on its
schema's channel (delivered at commit, once per transaction); relays listen on it, so an
event leaves as soon as its change commits, and a relay with nothing to do asks the
database nothing but a check every ``poll_interval`` (in case a notification was missed
while its listening connection was down).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import asyncpg
from aiokafka.errors import KafkaError
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind
from prometheus_client import Counter, Gauge
from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from common.events import Envelope, EventData
from common.kafka.producer import EventPublisher
from common.telemetry import context_from_headers, current_trace_carrier, tracer

log = logging.getLogger(__name__)
_tracer = tracer(__name__)
RELAYED = Counter("newsroom_outbox_relayed_total", "Outbox rows published", ["schema"])
OLDEST_UNSENT = Gauge(
    "newsroom_outbox_oldest_unsent_age_seconds",
    "Age of the oldest row this relay found unsent (0 when none, or another copy relays)",
    ["schema"],
)
_JSON = JSON().with_variant(JSONB(), "postgresql")
CHANNEL_PREFIX = "newsroom_outbox_"  # + md5 of the schema: channel names stop at 63 bytes
# Postgres folds identical notifications of one transaction into one, sent at commit
_ANNOUNCE = text(f"SELECT pg_notify('{CHANNEL_PREFIX}' || md5(current_schema()), '')")


def channel(schema: str) -> str:
    """The notification channel of a schema's outbox."""
    return CHANNEL_PREFIX + hashlib.md5(schema.encode(), usedforsecurity=False).hexdigest()


async def _announce(session: AsyncSession) -> None:
    """Wake the schema's relays when the caller's transaction commits."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(_ANNOUNCE)


def outbox_table(metadata: MetaData) -> Table:
    """The outbox table, in the metadata's schema."""
    return Table(
        "outbox",
        metadata,
        Column("id", BigInteger, primary_key=True, autoincrement=True),
        Column("event_id", Uuid, nullable=False, unique=True),
        Column("topic", String(200), nullable=False),
        Column("event_type", String(100), nullable=False),
        Column("event_version", Integer, nullable=False),
        Column("key", String(200), nullable=False),
        Column("envelope", _JSON, nullable=False),
        Column("trace_carrier", _JSON, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("sent_at", DateTime(timezone=True), nullable=True, index=True),
    )


async def add_event(
    session: AsyncSession,
    table: Table,
    payload: EventData,
    *,
    key: str,
    producer: str,
) -> Envelope:
    """Record an event in the caller's transaction; it is published after commit by the relay."""
    envelope = Envelope.wrap(payload, key=key, producer=producer)
    await session.execute(
        table.insert().values(
            event_id=envelope.event_id,
            topic=payload.topic,
            event_type=envelope.event_type,
            event_version=envelope.event_version,
            key=envelope.key,
            envelope=envelope.model_dump(mode="json"),
            trace_carrier=current_trace_carrier(),
        )
    )
    await _announce(session)
    return envelope


async def add_events(
    session: AsyncSession,
    table: Table,
    payloads: Sequence[EventData],
    *,
    key: str,
    producer: str,
) -> list[Envelope]:
    """Record several events of one aggregate with one statement, in the caller's transaction.

    Rows keep the order of ``payloads``, so the relay publishes them in that order.
    """
    envelopes = [Envelope.wrap(p, key=key, producer=producer) for p in payloads]
    if not envelopes:
        return envelopes
    carrier = current_trace_carrier()
    rows = [
        {
            "event_id": e.event_id,
            "topic": p.topic,
            "event_type": e.event_type,
            "event_version": e.event_version,
            "key": e.key,
            "envelope": e.model_dump(mode="json"),
            "trace_carrier": carrier,
        }
        for p, e in zip(payloads, envelopes, strict=True)
    ]
    # an executemany of one compiled (and cached) INSERT; a multi-row VALUES is compiled anew
    await session.execute(table.insert(), rows)
    await _announce(session)
    return envelopes


class OutboxRelay:
    """Publishes unsent outbox rows in order; safe to run in several copies at once.

    Rows are claimed with ``FOR UPDATE SKIP LOCKED`` so two relays do not publish the
    same row in the normal case. A relay killed after publishing but before marking
    rows sent leaves them unsent: they go out again, and consumers drop the duplicate.
    """

    def __init__(
        self,
        *,
        engine: AsyncEngine,
        table: Table,
        publisher: EventPublisher,
        schema: str,
        batch_size: int = 200,
        poll_interval: float = 1.0,
    ) -> None:
        self._engine = engine
        self._table = table
        self._publisher = publisher
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._stopping = asyncio.Event()
        self._schema = schema
        self._lock_key = zlib.crc32(f"outbox:{schema}".encode())

    def stop(self) -> None:
        """Finish the batch in hand, then return from :meth:`run`."""
        self._stopping.set()

    async def run(self) -> None:
        """Relay until stopped: at each notification, else every ``poll_interval``."""
        listener = _Listener(self._engine, channel(self._schema))
        try:
            while not self._stopping.is_set():
                await listener.ensure()
                listener.heard.clear()  # a commit from now on wakes the next wait
                try:
                    sent = await self.relay_once()
                except (KafkaError, OSError) as exc:
                    log.warning("outbox relay could not publish, retrying: %r", exc)
                    sent = 0
                    await asyncio.sleep(1.0)
                if sent < self._batch_size:
                    await self._idle(listener.heard)
        finally:
            await listener.close()

    async def _idle(self, heard: asyncio.Event) -> None:
        """Until a notification, a stop, or ``poll_interval``, whichever comes first."""
        waits = [asyncio.ensure_future(e.wait()) for e in (heard, self._stopping)]
        try:
            await asyncio.wait(waits, timeout=self._poll_interval, return_when="FIRST_COMPLETED")
        finally:
            for waiting in waits:
                waiting.cancel()

    async def relay_once(self) -> int:
        """Publish one batch of unsent rows and mark them sent; returns how many."""
        t = self._table
        async with self._engine.begin() as conn:
            # one relay at a time per outbox keeps each key's events in commit order
            locked = await conn.scalar(select(func.pg_try_advisory_xact_lock(self._lock_key)))
            if not locked:
                OLDEST_UNSENT.labels(self._schema).set(0)
                return 0
            rows: Sequence[Any] = (
                await conn.execute(
                    select(t.c.id, t.c.topic, t.c.envelope, t.c.trace_carrier, t.c.created_at)
                    .where(t.c.sent_at.is_(None))
                    .order_by(t.c.id)
                    .limit(self._batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            _observe_age(self._schema, rows)
            if not rows:
                return 0
            with _publish_spans(rows) as carriers:
                await self._publisher.publish_many(
                    (Envelope.model_validate(r.envelope), r.topic, carrier)
                    for r, carrier in zip(rows, carriers, strict=True)
                )
            await self.before_mark_sent([r.id for r in rows])
            await conn.execute(
                update(t).where(t.c.id.in_([r.id for r in rows])).values(sent_at=func.now())
            )
        RELAYED.labels(self._schema).inc(len(rows))
        return len(rows)

    async def before_mark_sent(self, row_ids: list[int]) -> None:
        """Hook between publishing and marking sent (fault tests stop a relay here)."""


class _Listener:
    """A connection of its own listening on the outbox channel (Postgres only).

    ``heard`` is set at each notification. A lost connection is opened again at the
    relay's next turn; meanwhile the relay polls.
    """

    def __init__(self, engine: AsyncEngine, name: str) -> None:
        self.heard = asyncio.Event()
        self._engine = engine
        self._channel = name
        self._conn: asyncpg.Connection | None = None
        self._next_try = 0.0

    async def ensure(self) -> None:
        """Listening, unless the database is not Postgres or cannot be reached just now."""
        if self._engine.dialect.name != "postgresql":
            return
        if self._conn is not None and not self._conn.is_closed():
            return
        loop = asyncio.get_running_loop()
        if loop.time() < self._next_try:
            return
        self._next_try = loop.time() + 5.0
        dsn = self._engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        try:
            conn = await asyncpg.connect(dsn, timeout=5)
            await conn.add_listener(self._channel, self._notified)
        except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
            log.warning("outbox relay cannot listen for commits, polling: %r", exc)
            return
        self._conn = conn
        self.heard.set()  # commits while not listening: look once

    def _notified(self, *_: object) -> None:
        self.heard.set()

    async def close(self) -> None:
        """Stop listening."""
        if self._conn is not None and not self._conn.is_closed():
            await self._conn.close(timeout=2)


def _observe_age(schema: str, rows: Sequence[Any]) -> None:
    """Set before publishing, so a relay stuck on Kafka shows the age growing."""
    oldest = min((r.created_at for r in rows), default=None)
    if oldest is None:
        OLDEST_UNSENT.labels(schema).set(0)
        return
    if oldest.tzinfo is None:  # a database without time zones (SQLite in unit tests)
        oldest = oldest.replace(tzinfo=UTC)
    age = (datetime.now(UTC) - oldest).total_seconds()
    OLDEST_UNSENT.labels(schema).set(max(0.0, age))


@contextmanager
def _publish_spans(rows: Sequence[Any]) -> Iterator[list[dict[str, str]]]:
    """A producer span per row, in the trace of the change that wrote it; yields carriers.

    Consumers then continue the trace from the relay's publish, not from the request.
    """
    spans = [
        _tracer.start_span(
            f"publish {r.envelope.get('event_type', 'event')}",
            context=context_from_headers(r.trace_carrier),
            kind=SpanKind.PRODUCER,
            attributes={"messaging.system": "kafka", "messaging.destination.name": r.topic},
        )
        for r in rows
    ]
    carriers = []
    for span in spans:
        carrier: dict[str, str] = {}
        propagate.inject(carrier, context=trace.set_span_in_context(span))
        carriers.append(carrier)
    try:
        yield carriers
    finally:
        for span in spans:
            span.end()
