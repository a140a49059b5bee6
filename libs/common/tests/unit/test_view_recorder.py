from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiokafka.errors import KafkaTimeoutError

from common import view_recorder
from common.events import Envelope
from common.events.views import ArticleView, ViewsRecorded, ViewsRecordedV2
from common.kafka.producer import EventPublisher
from common.view_recorder import ViewRecorder
from common.view_spool import JournalInUseError, ViewSpool


class FakePublisher:
    """Keeps what it was given; can be told to fail after the broker 'received' a batch."""

    def __init__(self, *, lose_acks: bool = False) -> None:
        self.sent: list[Envelope] = []
        self.lose_acks = lose_acks

    async def publish_encoded(self, value: bytes, *, topic: str, event_id: str, **_: Any) -> None:
        envelope = Envelope.from_bytes(value)  # what consumers will parse, validated
        assert str(envelope.event_id) == event_id
        self.sent.append(envelope)
        if self.lose_acks:
            raise KafkaTimeoutError("the ack never came back")


def _view(article_id: int) -> ArticleView:
    return ArticleView(article_id=article_id, visitor="v" * 32, at=datetime.now(UTC))


def _recorder(publisher: FakePublisher, spool: Path | None) -> ViewRecorder:
    fake: Any = publisher  # duck-typed stand-in for EventPublisher
    real: EventPublisher = fake
    return ViewRecorder(real, producer_name="test", spool=ViewSpool(spool) if spool else None)


def _kill(recorder: ViewRecorder) -> None:
    """What dying does to the journal: the file stays, the process's lock goes."""
    assert recorder.spool is not None
    recorder.spool.close()


def _views(envelopes: list[Envelope]) -> list[ArticleView]:
    views: list[ArticleView] = []
    for envelope in envelopes:
        batch = envelope.payload()
        if isinstance(batch, ViewsRecordedV2):
            views += batch.article_views()
        elif isinstance(batch, ViewsRecorded):
            views += batch.views
    return views


def _articles(envelopes: list[Envelope]) -> list[int]:
    return [v.article_id for v in _views(envelopes)]


async def test_views_are_sent_in_batches_with_one_event_per_batch() -> None:
    publisher = FakePublisher()
    recorder = _recorder(publisher, None)
    for i in range(5):
        recorder.record(_view(i))
    await recorder.flush()
    assert len(publisher.sent) == 1
    assert _articles(publisher.sent) == [0, 1, 2, 3, 4]
    assert recorder.pending == 0


async def test_views_of_a_killed_process_are_sent_by_the_next_one(tmp_path: Path) -> None:
    spool = tmp_path / "views.journal"
    first = _recorder(FakePublisher(), spool)
    for i in range(3):
        first.record(_view(i))
    _kill(first)  # nothing was flushed
    publisher = FakePublisher()
    second = _recorder(publisher, spool)
    assert second.pending == 3
    await second.flush()
    assert _articles(publisher.sent) == [0, 1, 2]


async def test_an_unacknowledged_batch_is_resent_with_the_same_event_id(tmp_path: Path) -> None:
    spool = tmp_path / "views.journal"
    lossy = FakePublisher(lose_acks=True)
    first = _recorder(lossy, spool)
    first.record(_view(1))
    first.record(_view(2))
    await first.flush()
    first.record(_view(3))
    _kill(first)  # batch [1, 2] reached the broker but its ack did not reach us
    publisher = FakePublisher()
    second = _recorder(publisher, spool)
    await second.flush()
    assert publisher.sent[0].event_id == lossy.sent[0].event_id, "same id: counted once downstream"
    assert _articles(publisher.sent) == [1, 2, 3]


async def test_acknowledged_batches_are_not_sent_again(tmp_path: Path) -> None:
    spool = tmp_path / "views.journal"
    first = _recorder(FakePublisher(), spool)
    first.record(_view(1))
    await first.flush()
    first.record(_view(2))
    _kill(first)
    publisher = FakePublisher()
    second = _recorder(publisher, spool)
    await second.flush()
    assert _articles(publisher.sent) == [2]


async def test_a_line_cut_short_by_the_kill_is_ignored(tmp_path: Path) -> None:
    spool = tmp_path / "views.journal"
    first = _recorder(FakePublisher(), spool)
    first.record(_view(1))
    with spool.open("ab") as f:
        f.write(b'{"v": {"article_id": 9')
    _kill(first)
    publisher = FakePublisher()
    second = _recorder(publisher, spool)
    second.record(_view(2))
    await second.flush()
    assert _articles(publisher.sent) == [1, 2]


async def test_views_journaled_by_the_caller_are_recovered_in_order(tmp_path: Path) -> None:
    spool = tmp_path / "views.journal"
    first = _recorder(FakePublisher(), spool)
    assert first.spool is not None
    for article_id in (4, 5):
        first.spool.view({"article_id": article_id, "visitor": "v" * 32, "at": 1.7e9})
    _kill(first)  # before the caller handed them to the recorder
    publisher = FakePublisher()
    second = _recorder(publisher, spool)
    await second.flush()
    assert _articles(publisher.sent) == [4, 5]


async def test_a_view_dropped_for_a_full_buffer_is_not_resent(tmp_path: Path) -> None:
    spool = tmp_path / "views.journal"
    fake: Any = FakePublisher()
    first = ViewRecorder(fake, producer_name="t", max_pending=1, spool=ViewSpool(spool))
    assert first.spool is not None
    for article_id in (1, 2):
        first.spool.view({"article_id": article_id, "visitor": "v" * 32, "at": 1.7e9})
        first.record(_view(article_id), journaled=True)
    assert first.pending == 1
    _kill(first)
    publisher = FakePublisher()
    second = _recorder(publisher, spool)
    await second.flush()
    assert _articles(publisher.sent) == [1]


async def test_views_journaled_as_tuples_are_recovered(tmp_path: Path) -> None:
    spool = tmp_path / "views.journal"
    first = _recorder(FakePublisher(), spool)
    assert first.spool is not None
    first.spool.view_tuple((8, {"not": "an id"}, "v" * 32, "Mozilla/5.0", None, 1.7e9))
    _kill(first)
    publisher = FakePublisher()
    second = _recorder(publisher, spool)
    await second.flush()
    (view,) = _views(publisher.sent)
    assert publisher.sent[0].event_version == 2
    assert view.article_id == 8
    assert view.section_id is None
    assert view.user_agent == "Mozilla/5.0"
    assert view.at == datetime.fromtimestamp(1.7e9, UTC)


async def test_views_the_caller_journaled_survive_compaction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(view_recorder, "COMPACT_AFTER_BYTES", 0)
    spool = tmp_path / "views.journal"
    first = _recorder(FakePublisher(), spool)
    assert first.spool is not None
    for article_id in (1, 2, 3):
        first.spool.view_tuple((article_id, None, "v" * 32, "Mozilla/5.0", None, 1.7e9))
    first.record(_view(1), journaled=True)
    first.record(_view(2), journaled=True)
    await first.flush()  # 1 and 2 acknowledged; 3 is journaled but not handed over yet
    _kill(first)
    publisher = FakePublisher()
    second = _recorder(publisher, spool)
    await second.flush()
    assert _articles(publisher.sent) == [3]


def test_a_journal_has_one_writer(tmp_path: Path) -> None:
    spool = ViewSpool(tmp_path / "views.journal")
    with pytest.raises(JournalInUseError):
        ViewSpool(tmp_path / "views.journal")
    spool.close()
    ViewSpool(tmp_path / "views.journal").close()


async def test_views_handed_over_in_bulk_drop_the_newest_when_full(tmp_path: Path) -> None:
    spool = tmp_path / "views.journal"
    fake: Any = FakePublisher()
    first = ViewRecorder(fake, producer_name="test", spool=ViewSpool(spool), max_pending=3)
    assert first.spool is not None
    reads = [(i, 3, "v" * 32, "Mozilla/5.0", None, 1.7e9 + i) for i in range(5)]
    for read in reads:
        first.spool.view_tuple(read)  # the read path journals before answering
    first.record_many(reads, journaled=True)
    assert first.pending == 3
    _kill(first)  # nothing was flushed
    publisher = FakePublisher()
    second = _recorder(publisher, spool)
    assert second.pending == 3
    await second.flush()
    views = _views(publisher.sent)
    assert [v.article_id for v in views] == [0, 1, 2]
    assert views[2].section_id == 3
    assert views[2].at == datetime.fromtimestamp(1.7e9 + 2, UTC)


def test_a_killed_writers_journal_is_read_up_to_its_last_line(tmp_path: Path) -> None:
    path = tmp_path / "views.journal"
    spool = ViewSpool(path)
    spool.view_tuple((1, None, "v" * 32, "Mozilla/5.0", None, 1.7e9))
    spool.view_tuple((2, None, "w" * 32, "Mozilla/5.0", None, 1.7e9))
    # what a SIGKILL leaves: the mapped pages as they are, zeros after the last line
    copy = tmp_path / "copy.journal"
    copy.write_bytes(path.read_bytes())
    assert copy.read_bytes().endswith(b"\0")
    after_kill = ViewSpool(copy)
    in_flight, pending = after_kill.recover()
    assert in_flight == []
    assert [v[0] for v in pending if isinstance(v, tuple)] == [1, 2]
    after_kill.view_tuple((3, None, "x" * 32, "", None, 1.7e9))  # continues after line 2
    after_kill.close()
    assert copy.read_bytes().count(b"\n") == 3
    assert not copy.read_bytes().endswith(b"\0")
    spool.close()


def test_the_journal_grows_past_its_mapping(tmp_path: Path) -> None:
    spool = ViewSpool(tmp_path / "views.journal")
    for i in range(30_000):  # a few MiB of lines: the file is grown and remapped
        spool.view_tuple((i, None, "v" * 32, "Mozilla/5.0", None, 1.7e9))
    _, pending = spool.recover()
    assert len(pending) == 30_000
    assert spool.size() < (tmp_path / "views.journal").stat().st_size  # mapped ahead
    spool.close()
    assert (tmp_path / "views.journal").stat().st_size == spool.size()
