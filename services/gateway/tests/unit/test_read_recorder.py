"""The read recorder and its journal on a fake publisher: bounded, ordered, never lost."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError

from common.events import Envelope
from common.events.views import ViewsRecordedV2
from common.kafka.producer import EventPublisher
from gateway.reads.journal import JournalInUseError, ReadJournal
from gateway.reads.read import Read
from gateway.reads.recorder import TOTALS, ReadRecorder

AGENT = "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0"


class FakePublisher:
    """Keeps what it was given; can refuse everything, or lose the acknowledgement."""

    def __init__(self, *, down: bool = False, lose_acks: bool = False) -> None:
        self.sent: list[Envelope] = []
        self.down = down
        self.lose_acks = lose_acks

    async def publish_encoded(self, value: bytes, *, topic: str, event_id: str, **_: Any) -> None:
        if self.down:
            raise KafkaConnectionError("the broker is away")
        envelope = Envelope.from_bytes(value)  # what analytics will parse, validated
        assert str(envelope.event_id) == event_id
        self.sent.append(envelope)
        if self.lose_acks:
            raise KafkaTimeoutError("the ack never came back")

    def articles(self) -> list[int]:
        """Article ids of every read sent, in order."""
        out: list[int] = []
        for envelope in self.sent:
            batch = envelope.payload()
            assert isinstance(batch, ViewsRecordedV2)
            out += [row[0] for row in batch.views]
        return out


def _read(article_id: int) -> Read:
    return Read(article_id, 3, "v" * 32, AGENT, None, time.time())


def _recorder(
    publisher: FakePublisher, journal: ReadJournal | None = None, **options: Any
) -> ReadRecorder:
    fake: Any = publisher  # duck-typed stand-in for EventPublisher
    real: EventPublisher = fake
    return ReadRecorder(real, producer="test", journal=journal, **options)


def _segments(directory: Path) -> int:
    return len(list(directory.glob("*.seg")))


def _journal(path: Path, **options: Any) -> ReadJournal:
    return ReadJournal(path, budget_bytes=options.pop("budget_bytes", 64 << 20), **options)


async def test_reads_are_sent_in_batches_with_every_field() -> None:
    publisher = FakePublisher()
    recorder = _recorder(publisher, batch_size=2000)
    now = time.time()
    recorder.record(Read(7, 3, "v" * 32, AGENT, None, now))
    recorder.record(Read(8, "not-a-section", "w" * 32, "x" * 400, 12, now))  # type: ignore[arg-type] # a bad cache meta value
    await recorder.flush()
    (envelope,) = publisher.sent
    batch = envelope.payload()
    assert isinstance(batch, ViewsRecordedV2)
    first, second = batch.article_views()
    assert (first.article_id, first.section_id, first.user_agent) == (7, 3, AGENT)
    assert abs(first.at.timestamp() - now) < 1e-3  # batches carry milliseconds
    assert (second.section_id, second.user_id, len(second.user_agent)) == (None, 12, 256)
    assert recorder.unacknowledged == 0


class ReadsWhilePublishing(FakePublisher):
    """Reads keep arriving while each batch waits for the broker, as under load."""

    def __init__(self, recorder: list[ReadRecorder], per_publish: int, publishes: int) -> None:
        super().__init__()
        self.recorder = recorder
        self.per_publish = per_publish
        self.publishes = publishes  # how many publishes see reads arrive

    async def publish_encoded(self, value: bytes, *, topic: str, event_id: str, **_: Any) -> None:
        await super().publish_encoded(value, topic=topic, event_id=event_id)
        if len(self.sent) <= self.publishes:
            for n in range(self.per_publish):
                self.recorder[0].record(_read(1000 + n))


async def test_reads_arriving_during_a_publish_wait_for_the_next_tick() -> None:
    """A tick publishes what it found (and any full batch), not a small batch per ack."""
    holder: list[ReadRecorder] = []
    publisher = ReadsWhilePublishing(holder, per_publish=30, publishes=3)
    recorder = _recorder(publisher, batch_size=100)
    holder.append(recorder)
    for n in range(250):
        recorder.record(_read(n))
    await recorder.flush()
    sizes = [len(e.payload().views) for e in publisher.sent]  # type: ignore[union-attr]
    assert sizes == [100, 100, 50], "the 90 reads that came meanwhile wait: no small batches"
    assert recorder.held == 90
    await recorder.flush()
    assert [len(e.payload().views) for e in publisher.sent[3:]] == [90]  # type: ignore[union-attr]


async def test_a_backlog_keeps_publishing_within_the_tick() -> None:
    holder: list[ReadRecorder] = []
    publisher = ReadsWhilePublishing(holder, per_publish=100, publishes=2)
    recorder = _recorder(publisher, batch_size=100)
    holder.append(recorder)
    for n in range(100):
        recorder.record(_read(n))
    await recorder.flush()  # a full batch arrives during each of the first two publishes
    assert [len(e.payload().views) for e in publisher.sent] == [100, 100, 100]  # type: ignore[union-attr]
    assert recorder.held == 0


async def test_a_killed_process_reads_are_sent_by_the_next_one(tmp_path: Path) -> None:
    first = _recorder(FakePublisher(), _journal(tmp_path))
    for i in range(3):
        first.record(_read(i))
    first._journal.close()  # type: ignore[union-attr] # killed: the files stay, the lock goes
    publisher = FakePublisher()
    second = _recorder(publisher, _journal(tmp_path))
    assert second.unacknowledged == 3
    await second.flush()
    assert publisher.articles() == [0, 1, 2]


async def test_an_unacknowledged_batch_is_resent_with_the_same_event_id(tmp_path: Path) -> None:
    lossy = FakePublisher(lose_acks=True)
    first = _recorder(lossy, _journal(tmp_path))
    first.record(_read(1))
    first.record(_read(2))
    await first.flush()  # the broker has [1, 2]; the ack is lost
    first.record(_read(3))
    first._journal.close()  # type: ignore[union-attr]
    publisher = FakePublisher()
    second = _recorder(publisher, _journal(tmp_path))
    await second.flush()
    assert publisher.sent[0].event_id == lossy.sent[0].event_id, "same id: counted once downstream"
    assert publisher.articles() == [1, 2, 3]


async def test_acknowledged_reads_are_not_sent_again(tmp_path: Path) -> None:
    first = _recorder(FakePublisher(), _journal(tmp_path))
    first.record(_read(1))
    await first.flush()
    first.record(_read(2))
    first._journal.close()  # type: ignore[union-attr]
    publisher = FakePublisher()
    await _recorder(publisher, _journal(tmp_path)).flush()
    assert publisher.articles() == [2]


def test_a_line_cut_short_by_the_kill_is_ignored(tmp_path: Path) -> None:
    journal = _journal(tmp_path)
    journal.append(_read(1))
    journal.close()
    (segment,) = tmp_path.glob("*.seg")
    with segment.open("ab") as f:
        f.write(b'[9, 3, "vvv')  # the process died mid-copy: that read was never answered
    again = _journal(tmp_path)
    assert again.end == 1
    assert [r.article_id for r in again.load(0, 10)] == [1]


def test_one_writer_per_journal(tmp_path: Path) -> None:
    journal = _journal(tmp_path)
    with pytest.raises(JournalInUseError):
        _journal(tmp_path)
    journal.close()
    _journal(tmp_path).close()


async def test_memory_is_bounded_while_kafka_is_away_and_nothing_is_lost(tmp_path: Path) -> None:
    publisher = FakePublisher(down=True)
    recorder = _recorder(
        publisher, _journal(tmp_path, segment_bytes=16 << 10), memory_limit=2000, batch_size=500
    )
    for i in range(10_000):
        recorder.record(_read(i))
        if i % 1000 == 0:
            await recorder.flush()
    assert recorder.held <= 2000, "held in memory: queued and in flight together"
    assert recorder.unacknowledged == 10_000
    assert _segments(tmp_path) > 10, "the rest waits on disk, in segments"
    publisher.down = False
    for _ in range(100):
        await recorder.flush()
    assert publisher.articles() == list(range(10_000)), "every read, once, in order"
    assert _segments(tmp_path) == 1, "acknowledged segments are deleted"


async def test_past_the_disk_budget_reads_are_dropped_and_counted(tmp_path: Path) -> None:
    publisher = FakePublisher(down=True)
    journal = _journal(tmp_path, budget_bytes=64 << 10, segment_bytes=16 << 10)
    recorder = _recorder(publisher, journal, memory_limit=2000, batch_size=500)
    dropped_before = TOTALS.dropped_disk
    for i in range(5000):
        recorder.record(_read(i))
    assert journal.size() <= 64 << 10
    dropped = TOTALS.dropped_disk - dropped_before
    assert dropped > 0
    assert recorder.unacknowledged + dropped == 5000
    publisher.down = False
    for _ in range(50):
        await recorder.flush()
    assert publisher.articles() == list(range(5000 - dropped)), "the first ones kept, in order"


async def test_without_a_journal_reads_past_the_memory_limit_are_dropped() -> None:
    recorder = _recorder(FakePublisher(down=True), memory_limit=2000, batch_size=500)
    dropped_before = TOTALS.dropped_memory
    for i in range(2500):
        recorder.record(_read(i))
    assert recorder.held == 2000
    assert TOTALS.dropped_memory - dropped_before == 500


async def test_a_restart_after_an_outage_loads_the_backlog_within_the_memory_limit(
    tmp_path: Path,
) -> None:
    first = _recorder(
        FakePublisher(down=True), _journal(tmp_path, segment_bytes=16 << 10), memory_limit=2000
    )
    for i in range(9000):
        first.record(_read(i))
    await first.flush()  # one batch declared and tried, not acknowledged
    first._journal.close()  # type: ignore[union-attr]
    publisher = FakePublisher()
    second = _recorder(publisher, _journal(tmp_path, segment_bytes=16 << 10), memory_limit=2000)
    assert second.held == 0
    for _ in range(20):
        await second.flush()
        assert second.held <= 2000
    assert publisher.articles() == list(range(9000))
