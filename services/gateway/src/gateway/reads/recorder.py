"""Answered reads on their way to Kafka: bounded in memory, then on disk, then dropped.

``record`` is called on the request path and never waits: it journals the read (when
the process has a journal) and holds it in memory. A background loop forms batches every
``interval``, publishes them one at a time with a stable event id and acknowledges them
in the journal; reads that arrive meanwhile wait for the next tick unless a full batch
is waiting (one produce request per acknowledgement would cost more than the reads).
While Kafka is away:

- at most ``memory_limit`` reads (queued and in flight together) are held in memory;
- past that, reads are kept on disk only and loaded back, in order, as memory frees up;
- past the journal's disk budget (or past the memory limit without a journal), reads
  are dropped and counted in ``newsroom_views_dropped_total{reason}``.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
import weakref
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

from aiokafka.errors import KafkaError
from prometheus_client.core import REGISTRY, CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from common.events import VIEWS_TOPIC
from common.events.views import ViewsRecordedV2
from common.kafka.producer import EventPublisher
from gateway.reads.journal import DeclaredBatch, ReadJournal
from gateway.reads.read import Read, encode_batch

log = logging.getLogger(__name__)
MAX_IN_FLIGHT = 8  # batches formed ahead of the one being published
STOP_GRACE_SECONDS = 5.0


@dataclass(slots=True)
class _Batch:
    event_id: uuid.UUID
    first: int  # journal sequence number of its first read
    count: int
    payload: bytes


@dataclass(slots=True)
class _Totals:
    """Process-wide counts, read by the metrics collector when Prometheus scrapes."""

    accepted: int = 0
    published: int = 0
    dropped_memory: int = 0
    dropped_disk: int = 0


TOTALS = _Totals()


class ReadRecorder:
    """Holds answered reads until Kafka acknowledges them (see the module docstring)."""

    def __init__(
        self,
        publisher: EventPublisher,
        *,
        producer: str,
        journal: ReadJournal | None = None,
        memory_limit: int = 50_000,
        batch_size: int = 2000,
        interval: float = 0.1,  # each batch costs a produce request: fewer, larger ones
    ) -> None:
        self._publisher = publisher
        self._producer = producer
        self._journal = journal
        self._memory_limit = max(memory_limit, batch_size)
        self._batch_size = batch_size
        self._interval = interval
        self._pending: list[Read] = []
        self._in_flight: deque[_Batch] = deque()
        self._held = 0  # reads in memory: pending and in flight
        self._stopping = False
        self._redeclared: deque[DeclaredBatch] = deque()
        self._pending_first = 0  # journal sequence number of _pending[0]
        self._on_disk_from: int | None = None  # first read held on disk only
        if journal is not None:
            self._resume(journal)
        _LIVE.add(self)

    def _resume(self, journal: ReadJournal) -> None:
        """Pick up what a previous process left unacknowledged."""
        recovered = journal.recovered
        self._redeclared.extend(recovered.batches)
        self._pending_first = recovered.acked
        if recovered.acked < journal.end:
            self._on_disk_from = recovered.acked
            log.info("re-sending %d reads left by the previous run", journal.end - recovered.acked)

    def record(self, read: Read) -> None:
        """Take one answered read; never waits (see the module docstring)."""
        journal = self._journal
        if journal is not None:
            if not journal.append(read):
                TOTALS.dropped_disk += 1
                return
            TOTALS.accepted += 1
            if self._on_disk_from is not None:
                return
            if self._held >= self._memory_limit:
                self._on_disk_from = journal.end - 1
                return
        elif self._held >= self._memory_limit:
            TOTALS.dropped_memory += 1
            return
        else:
            TOTALS.accepted += 1
        self._pending.append(read)
        self._held += 1

    @property
    def held(self) -> int:
        """Reads held in memory (queued and in flight)."""
        return self._held

    @property
    def on_disk_only(self) -> int:
        """Reads journaled but not held in memory yet."""
        if self._journal is None or self._on_disk_from is None:
            return 0
        return self._journal.end - self._on_disk_from

    @property
    def journal_bytes(self) -> int:
        """Bytes of the journal on disk (0 without one)."""
        return 0 if self._journal is None else self._journal.size()

    @property
    def unacknowledged(self) -> int:
        """Reads Kafka does not have yet."""
        return self._held + self.on_disk_only

    def stop(self) -> None:
        """Publish what is held (briefly), then return from :meth:`run`."""
        self._stopping = True

    async def run(self) -> None:
        """Publish every ``interval`` until stopped."""
        while not self._stopping:
            await asyncio.sleep(self._interval)
            await self.flush()
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        while self._held and time.monotonic() < deadline:
            await self.flush()
            if self._held:
                await asyncio.sleep(0.2)  # Kafka unreachable while stopping: the journal keeps them

    async def flush(self) -> None:
        """Load reads back from disk as room allows, form batches, publish them in order."""
        self._load_from_disk()
        self._form_batches()
        while self._in_flight:
            batch = self._in_flight[0]
            try:
                await self._publisher.publish_encoded(
                    batch.payload,
                    topic=VIEWS_TOPIC,
                    key=str(batch.event_id),
                    event_type=ViewsRecordedV2.event_type,
                    event_version=ViewsRecordedV2.event_version,
                    event_id=str(batch.event_id),
                )
            except KafkaError as exc:
                log.warning("publishing %d reads failed, will retry: %r", batch.count, exc)
                return
            self._in_flight.popleft()
            self._held -= batch.count
            TOTALS.published += batch.count
            if self._journal is not None:
                self._journal.acknowledge(batch.first + batch.count)
            if len(self._pending) >= self._batch_size:
                self._form_batches()  # a backlog: keep going; a few reads wait for the next tick

    def _load_from_disk(self) -> None:
        start, journal = self._on_disk_from, self._journal
        if start is None or journal is None:
            return
        room = min(self._memory_limit - self._held, self._batch_size)
        if room <= 0:
            return
        reads = journal.load(start, room)
        self._pending += reads
        self._held += len(reads)
        start += len(reads)
        self._on_disk_from = start if start < journal.end else None

    def _form_batches(self) -> None:
        while self._pending and len(self._in_flight) < MAX_IN_FLIGHT:
            first = self._pending_first
            while self._redeclared and self._redeclared[0].first < first:
                self._redeclared.popleft()  # covered by an acknowledgement after all
            if self._redeclared and self._redeclared[0].first == first:
                declared = self._redeclared[0]
                if len(self._pending) < declared.count and self._on_disk_from is not None:
                    return  # the rest of it is still on disk
                self._redeclared.popleft()
                event_id, count = declared.event_id, min(declared.count, len(self._pending))
            else:
                event_id, count = uuid.uuid4(), min(self._batch_size, len(self._pending))
                if self._journal is not None:
                    self._journal.declare(event_id, first, count)
            reads = self._pending[:count]
            del self._pending[:count]
            self._pending_first += count
            payload = encode_batch(event_id, reads, producer=self._producer)
            self._in_flight.append(_Batch(event_id, first, count, payload))


_LIVE: weakref.WeakSet[ReadRecorder] = weakref.WeakSet()


class _RecorderMetrics(Collector):
    """Read at scrape time, so the request path only adds to plain integers."""

    def collect(self) -> Iterator[Metric]:
        recorded = CounterMetricFamily(
            "newsroom_views_recorded", "Answered reads accepted for publishing"
        )
        recorded.add_metric([], TOTALS.accepted)
        published = CounterMetricFamily("newsroom_views_published", "Reads acknowledged by Kafka")
        published.add_metric([], TOTALS.published)
        dropped = CounterMetricFamily(
            "newsroom_views_dropped", "Answered reads dropped, by reason", labels=["reason"]
        )
        dropped.add_metric(["memory"], TOTALS.dropped_memory)
        dropped.add_metric(["disk"], TOTALS.dropped_disk)
        held = GaugeMetricFamily("newsroom_views_held", "Reads held in memory until Kafka has them")
        held.add_metric([], sum(r.held for r in _LIVE))
        on_disk = GaugeMetricFamily(
            "newsroom_views_on_disk_only", "Reads kept on disk only while memory is full"
        )
        on_disk.add_metric([], sum(r.on_disk_only for r in _LIVE))
        journal = GaugeMetricFamily("newsroom_views_journal_bytes", "Bytes of the read journal")
        journal.add_metric([], sum(r.journal_bytes for r in _LIVE))
        yield from (recorded, published, dropped, held, on_disk, journal)


REGISTRY.register(_RecorderMetrics())
