"""The in-process consumer of change events that keeps this copy's caches honest.

Each gateway copy joins with its own group id and starts at the log end: it only needs
changes from now on (older ones are already reflected in what it will fetch). It does not
use ``common.kafka.EventConsumer`` because that one starts new groups at the earliest
offset and parks failures in DLQs; dropping cache keys cannot fail in a way worth parking.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from aiokafka import AIOKafkaConsumer
from aiokafka.errors import KafkaError
from opentelemetry.trace import SpanKind
from pydantic import ValidationError

from common.events import Envelope
from common.kafka.consumer import ConsumedEvent
from common.settings import ServiceSettings
from common.telemetry import context_from_headers, tracer
from gateway.cache.invalidation import TOPICS, CacheInvalidator

log = logging.getLogger(__name__)
_tracer = tracer(__name__)


class InvalidationConsumer:
    """Reads articles and comments events from the log end and invalidates the cache."""

    def __init__(
        self, *, settings: ServiceSettings, group_id: str, invalidator: CacheInvalidator
    ) -> None:
        self._settings = settings
        self._group_id = group_id
        self._invalidator = invalidator
        self._stopping = asyncio.Event()
        self.ready = asyncio.Event()

    def stop(self) -> None:
        """Leave the loop after the current poll."""
        self._stopping.set()

    async def run(self) -> None:
        """Consume until stopped; reconnects after broker trouble."""
        while not self._stopping.is_set():
            try:
                await self._consume()
            except KafkaError as exc:
                log.warning("invalidation consumer lost the broker, retrying: %r", exc)
                await asyncio.sleep(1)

    async def _consume(self) -> None:
        consumer = AIOKafkaConsumer(
            *(self._settings.topic(t) for t in TOPICS),
            bootstrap_servers=self._settings.kafka_bootstrap,
            group_id=self._group_id,
            client_id=f"gateway-invalidation-{self._group_id}",
            auto_offset_reset="latest",
            enable_auto_commit=True,
            isolation_level="read_committed",
        )
        await consumer.start()
        try:
            while not self._stopping.is_set():
                batches = await consumer.getmany(timeout_ms=100, max_records=500)
                if consumer.assignment():
                    self.ready.set()
                events = [e for records in batches.values() for r in records if (e := _event(r))]
                if events:
                    with _traced(events):
                        await self._invalidator.handle_batch(events)
        finally:
            await consumer.stop()


def _event(record: object) -> ConsumedEvent | None:
    try:
        envelope = Envelope.from_bytes(record.value or b"")  # type: ignore[attr-defined] # aiokafka is untyped
    except (ValidationError, ValueError):
        return None
    return ConsumedEvent(
        envelope=envelope,
        topic=record.topic,  # type: ignore[attr-defined]
        partition=record.partition,  # type: ignore[attr-defined]
        offset=record.offset,  # type: ignore[attr-defined]
        headers=record.headers or (),  # type: ignore[attr-defined]
    )


@contextmanager
def _traced(events: Sequence[ConsumedEvent]) -> Iterator[None]:
    """One consumer span per event, in the event's own trace, lasting the batch's handling."""
    spans = [
        _tracer.start_span(
            f"invalidate {e.envelope.event_type}",
            context=context_from_headers(e.headers),
            kind=SpanKind.CONSUMER,
            attributes={"messaging.system": "kafka", "messaging.destination.name": e.topic},
        )
        for e in events
    ]
    try:
        yield
    finally:
        for span in spans:
            span.end()
