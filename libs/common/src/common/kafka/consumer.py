"""Consumer runner: manual commits after success, retries, dead letters, clean rebalances."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace

from aiokafka import (
    AIOKafkaConsumer,
    AIOKafkaProducer,
    ConsumerRebalanceListener,
    ConsumerRecord,
    TopicPartition,
)
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from opentelemetry.trace import SpanKind
from prometheus_client import Counter, Gauge
from pydantic import ValidationError

from common.events import Envelope
from common.kafka.dlq import send_to_dlq
from common.settings import ServiceSettings
from common.telemetry import attached, context_from_headers, tracer

log = logging.getLogger(__name__)
_tracer = tracer(__name__)

CONSUMED = Counter(
    "newsroom_events_consumed_total", "Events handled", ["group", "topic", "outcome"]
)
LAG = Gauge("newsroom_consumer_lag", "Messages behind the log end", ["group", "topic", "partition"])


@dataclass(frozen=True, slots=True)
class ConsumedEvent:
    """One message with its validated envelope and its coordinates."""

    envelope: Envelope
    topic: str
    partition: int
    offset: int
    headers: Sequence[tuple[str, bytes]] = field(default=())
    key: bytes | None = None
    raw: bytes = b""


_UNPARSED = Envelope(event_type="unparsed", event_version=1, producer="", key="", data={})

EventHandler = Callable[[ConsumedEvent], Awaitable[None]]
BatchHandler = Callable[[list[ConsumedEvent]], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently a failing message is retried before the DLQ."""

    attempts: int = 3
    backoff: float = 0.2
    max_backoff: float = 5.0

    def delay(self, attempt: int) -> float:
        """Exponential backoff for a 1-based attempt."""
        return float(min(self.max_backoff, self.backoff * 2 ** (attempt - 1)))


class _CommitOnRevoke(ConsumerRebalanceListener):  # type: ignore[misc] # aiokafka is untyped
    """Waits for in-flight work before partitions move, so it is committed, not redone."""

    def __init__(self, lock: asyncio.Lock) -> None:
        self._lock = lock

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        async with self._lock:
            log.info("partitions revoked: %s", sorted((tp.topic, tp.partition) for tp in revoked))

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        log.info("partitions assigned: %s", sorted((tp.topic, tp.partition) for tp in assigned))


class EventConsumer:
    """Runs a handler over topics in a consumer group, at least once, never stuck on a poison."""

    def __init__(
        self,
        *,
        settings: ServiceSettings,
        topics: Sequence[str],
        group_id: str,
        handler: EventHandler | None = None,
        batch_handler: BatchHandler | None = None,
        retry: RetryPolicy | None = None,
        max_records: int = 500,
        dlq_producer: AIOKafkaProducer | None = None,
    ) -> None:
        if (handler is None) == (batch_handler is None):
            raise ValueError("give exactly one of handler or batch_handler")
        self._settings = settings
        self._topics = [settings.topic(t) for t in topics]
        self.group_id = group_id
        self._handler = handler
        self._batch_handler = batch_handler
        self._retry = retry or RetryPolicy()
        self._max_records = max_records
        self._dlq_producer = dlq_producer
        self._lock = asyncio.Lock()
        self._stopping = asyncio.Event()
        self._consumer: AIOKafkaConsumer | None = None
        self.ready = asyncio.Event()

    def stop(self) -> None:
        """Ask the loop to finish the batch in hand and leave the group."""
        self._stopping.set()

    async def run(self) -> None:
        """Consume until :meth:`stop` is called."""
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._settings.kafka_bootstrap,
            group_id=self.group_id,
            client_id=f"{self._settings.service_name}-{self.group_id}",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
            max_poll_records=self._max_records,
        )
        consumer.subscribe(self._topics, listener=_CommitOnRevoke(self._lock))
        await consumer.start()
        self._consumer = consumer
        try:
            await self._loop(consumer)
        finally:
            await consumer.stop()

    async def _loop(self, consumer: AIOKafkaConsumer) -> None:
        while not self._stopping.is_set():
            batches = await consumer.getmany(timeout_ms=200, max_records=self._max_records)
            if consumer.assignment():
                self.ready.set()
            async with self._lock:
                # partitions are independent: while one waits on its handler's I/O, the
                # next one's messages are decoded and prepared
                await asyncio.gather(
                    *(self._consume_partition(consumer, tp, rs) for tp, rs in batches.items())
                )
            await self._record_lag(consumer)

    async def _consume_partition(
        self,
        consumer: AIOKafkaConsumer,
        tp: TopicPartition,
        records: list[ConsumerRecord[bytes, bytes]],
    ) -> None:
        if tp not in consumer.assignment():
            return  # moved away during the poll; its new owner redoes it
        await self._process_partition(tp, records)
        await self._commit(consumer, tp, records[-1].offset + 1)

    async def _commit(self, consumer: AIOKafkaConsumer, tp: TopicPartition, offset: int) -> None:
        try:
            await consumer.commit({tp: offset})
        except (CommitFailedError, IllegalStateError, KafkaError) as exc:
            # reassigned, or the broker is away: a later commit covers this one, and if none
            # comes, the work is redone and the idempotent handlers drop it
            log.warning("commit of %s@%d failed: %r", tp, offset, exc)

    async def _record_lag(self, consumer: AIOKafkaConsumer) -> None:
        for tp in consumer.assignment():
            end = consumer.highwater(tp)
            if end is None:
                continue
            try:
                position = await asyncio.wait_for(consumer.position(tp), 1.0)
            except (KafkaError, IllegalStateError, TimeoutError):
                continue  # lag is a gauge: skip a sample rather than stall consuming
            LAG.labels(self.group_id, tp.topic, tp.partition).set(max(0, end - position))

    async def _process_partition(
        self, tp: TopicPartition, records: list[ConsumerRecord[bytes, bytes]]
    ) -> None:
        events: list[ConsumedEvent] = []
        for record in records:
            event = await self._decode(record)
            if event is not None:
                events.append(event)
        if not events:
            return
        if self._batch_handler is not None and await self._try_batch(events):
            return
        for event in events:
            await self._handle_one(event)

    async def _decode(self, record: ConsumerRecord[bytes, bytes]) -> ConsumedEvent | None:
        raw = record.value or b""
        event = ConsumedEvent(
            envelope=_UNPARSED,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            headers=tuple(record.headers or ()),
            key=record.key,
            raw=raw,
        )
        try:
            envelope = Envelope.from_bytes(raw)
        except (ValidationError, ValueError) as exc:
            await self._dead_letter(event, exc)
            return None
        return replace(event, envelope=envelope)

    async def _try_batch(self, events: list[ConsumedEvent]) -> bool:
        assert self._batch_handler is not None  # noqa: S101 - checked by the caller
        for attempt in range(1, self._retry.attempts + 1):
            try:
                with _tracer.start_as_current_span(
                    f"consume batch {events[0].topic}", kind=SpanKind.CONSUMER
                ):
                    await self._batch_handler(events)
            except Exception:
                log.exception("batch of %d failed (attempt %d)", len(events), attempt)
                await asyncio.sleep(self._retry.delay(attempt))
            else:
                CONSUMED.labels(self.group_id, events[0].topic, "ok").inc(len(events))
                return True
        return False  # fall back to one at a time so only the poison goes to the DLQ

    async def _handle_one(self, event: ConsumedEvent) -> None:
        last_error: Exception | None = None
        for attempt in range(1, self._retry.attempts + 1):
            try:
                await self._call_handler(event)
            except Exception as exc:
                last_error = exc
                log.warning(
                    "handling %s failed (attempt %d): %r", event.envelope.event_id, attempt, exc
                )
                await asyncio.sleep(self._retry.delay(attempt))
            else:
                CONSUMED.labels(self.group_id, event.topic, "ok").inc()
                return
        assert last_error is not None  # noqa: S101 - the loop ran at least once
        await self._dead_letter(event, last_error)

    async def _call_handler(self, event: ConsumedEvent) -> None:
        ctx = context_from_headers(event.headers)
        with (
            attached(ctx),
            _tracer.start_as_current_span(
                f"consume {event.envelope.event_type}",
                kind=SpanKind.CONSUMER,
                attributes={
                    "messaging.system": "kafka",
                    "messaging.destination.name": event.topic,
                    "messaging.kafka.partition": event.partition,
                    "messaging.kafka.offset": event.offset,
                    "messaging.message.id": str(event.envelope.event_id),
                    "messaging.consumer.group.name": self.group_id,
                },
            ),
        ):
            if self._handler is not None:
                await self._handler(event)
            else:
                assert self._batch_handler is not None  # noqa: S101 - one of the two is set
                await self._batch_handler([event])

    async def _dead_letter(self, event: ConsumedEvent, error: Exception) -> None:
        CONSUMED.labels(self.group_id, event.topic, "dead_letter").inc()
        await send_to_dlq(
            settings=self._settings,
            producer=self._dlq_producer,
            event=event,
            error=error,
            group_id=self.group_id,
        )
