"""Batches article reads into ``views.recorded`` events without slowing the read path."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import deque
from collections.abc import Sequence
from datetime import UTC, datetime

import orjson
from aiokafka.errors import KafkaError
from prometheus_client import Counter, Gauge

from common.events import VIEWS_TOPIC
from common.events.views import ViewsRecordedV2, compact_views
from common.kafka.producer import EventPublisher
from common.view_spool import COMPACT_AFTER_BYTES, ViewItem, ViewSpool

log = logging.getLogger(__name__)


RECORDED = Counter("newsroom_views_recorded_total", "Views accepted for publishing")
PUBLISHED = Counter("newsroom_views_published_total", "Views acknowledged by Kafka")
DROPPED = Counter("newsroom_views_dropped_total", "Views dropped because the buffer was full")
PENDING = Gauge("newsroom_views_pending", "Views waiting to be published")


class ViewRecorder:
    """Collects views in memory and publishes them in batches, one Kafka message per batch.

    ``record`` never waits on Kafka. A batch keeps its event id across retries, so a
    batch re-sent after a timeout is recognised and counted once downstream. With a
    ``spool`` (see :mod:`common.view_spool`) the views also survive the process being
    killed: what was not acknowledged is re-sent on the next start.
    """

    def __init__(
        self,
        publisher: EventPublisher,
        *,
        producer_name: str,
        max_batch: int = 2000,
        interval: float = 0.05,
        max_pending: int = 500_000,
        spool: ViewSpool | None = None,
    ) -> None:
        self._publisher = publisher
        self._producer_name = producer_name
        self._max_batch = max_batch
        self._interval = interval
        self._max_pending = max_pending
        self._pending: deque[ViewItem] = deque()
        self._in_flight: list[tuple[uuid.UUID, list[ViewItem]]] = []
        self._wake = asyncio.Event()
        self._stopping = False
        self._spool = spool
        self._journaled_by_caller = False
        self._accepted = 0  # views queued since the last flush, for RECORDED
        if spool is not None:
            self._in_flight, self._pending = spool.recover()
            spool.compact(self._in_flight, self._pending)
            if self.pending:
                log.info("re-sending %d views left by the previous run", self.pending)

    @property
    def spool(self) -> ViewSpool | None:
        """The journal, for a caller that journals views itself before handing them over."""
        return self._spool

    def record(self, view: ViewItem, *, journaled: bool = False) -> None:
        """Queue one view; drops (and counts) only if Kafka has been away for very long.

        A view given as plain fields or as a tuple is not validated here (the read path
        builds it itself); analytics validates every batch.
        ``journaled``: the caller already wrote it to :attr:`spool`, in this same order.
        """
        self.record_many((view,), journaled=journaled)

    def record_many(self, views: Sequence[ViewItem], *, journaled: bool = False) -> None:
        """Queue views in order, as :meth:`record` does one by one."""
        if journaled:
            self._journaled_by_caller = True
        room = self._max_pending - len(self._pending)
        if room < len(views):
            dropped = len(views) - max(room, 0)
            DROPPED.inc(dropped)
            if journaled and self._spool is not None:
                for _ in range(dropped):  # the views journaled last are the ones dropped
                    self._spool.dropped()
            views = views[: max(room, 0)]
        if self._spool is not None and not journaled:
            for view in views:
                self._spool.view(view)
        self._pending.extend(views)
        self._accepted += len(views)
        if len(self._pending) >= self._max_batch:
            self._wake.set()

    @property
    def pending(self) -> int:
        """Views not yet acknowledged by Kafka."""
        return len(self._pending) + sum(len(v) for _, v in self._in_flight)

    def stop(self) -> None:
        """Flush what is queued, then return from :meth:`run`."""
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        """Publish batches until stopped and drained."""
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), self._interval)
            except TimeoutError:
                pass
            self._wake.clear()
            await self.flush()
            if self._stopping and self.pending == 0:
                return
            if self._stopping and self._in_flight:
                await asyncio.sleep(0.5)  # Kafka unreachable while stopping: keep trying briefly

    async def flush(self) -> None:
        """Publish everything queued now."""
        RECORDED.inc(self._accepted)  # counted here, not per view: a locked counter costs
        self._accepted = 0
        while self._pending:
            size = min(self._max_batch, len(self._pending))
            batch = [self._pending.popleft() for _ in range(size)]
            event_id = uuid.uuid4()
            if self._spool is not None:
                self._spool.batch(event_id, size)
            self._in_flight.append((event_id, batch))
        PENDING.set(self.pending)
        while self._in_flight:
            event_id, batch = self._in_flight[0]
            try:
                await self._publisher.publish_encoded(
                    self._encode(event_id, batch),
                    topic=VIEWS_TOPIC,
                    key=str(event_id),
                    event_type=ViewsRecordedV2.event_type,
                    event_version=ViewsRecordedV2.event_version,
                    event_id=str(event_id),
                )
            except KafkaError as exc:
                log.warning("publishing %d views failed, will retry: %r", len(batch), exc)
                return
            self._in_flight.pop(0)
            if self._spool is not None:
                self._spool.acked(event_id)
            PUBLISHED.inc(len(batch))
        PENDING.set(self.pending)
        self._compact_when_idle()

    def _encode(self, event_id: uuid.UUID, batch: list[ViewItem]) -> bytes:
        """The envelope of one batch (``views.recorded`` v2), encoded without models."""
        return orjson.dumps(
            {
                "event_id": str(event_id),
                "event_type": ViewsRecordedV2.event_type,
                "event_version": ViewsRecordedV2.event_version,
                "occurred_at": datetime.now(UTC),
                "producer": self._producer_name,
                "key": str(event_id),
                "data": compact_views(batch),
            }
        )

    def _compact_when_idle(self) -> None:
        # a caller that journals views itself may hold some not handed over yet: it
        # compacts through compact_journal() when it has handed everything over
        if not self._journaled_by_caller and self.pending == 0:
            self.compact_journal()

    def compact_journal(self) -> None:
        """Rewrite a large journal with only what is owed to Kafka.

        Only valid when every view journaled so far has been given to :meth:`record`.
        """
        spool = self._spool
        if spool is not None and spool.size() > COMPACT_AFTER_BYTES:
            spool.compact(self._in_flight, self._pending)
