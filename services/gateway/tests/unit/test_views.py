"""Read counting on fakes: the buffer hands queued reads to the recorder as valid views."""

from __future__ import annotations

import time
from pathlib import Path

from common.events.views import ArticleView, ViewsRecordedV2, compact_views
from common.view_spool import ViewItem, ViewSpool
from gateway.views import ViewBuffer


class FakeRecorder:
    """Collects what would be published."""

    def __init__(self, spool: ViewSpool | None = None) -> None:
        self.views: list[ArticleView] = []
        self.spool = spool
        self.journaled: list[bool] = []
        self.compactions = 0

    def record_many(self, views: list[ViewItem], *, journaled: bool = False) -> None:
        # what the recorder and analytics will do: encode a v2 batch, validate it
        batch = ViewsRecordedV2.model_validate(compact_views(views))
        self.views += batch.article_views()
        self.journaled += [journaled] * len(views)

    def compact_journal(self) -> None:
        self.compactions += 1


def test_queued_reads_become_views_on_drain() -> None:
    recorder = FakeRecorder()
    buffer = ViewBuffer(recorder)  # type: ignore[arg-type]
    now = time.time()
    buffer.add((7, 3, "v" * 32, "Mozilla/5.0", None, now))
    buffer.add((8, "not-a-section", "w" * 32, "x" * 400, 12, now))
    assert len(buffer) == 2
    assert buffer.drain() == 2
    assert len(buffer) == 0
    first, second = recorder.views
    assert (first.article_id, first.section_id, first.user_id) == (7, 3, None)
    assert abs(first.at.timestamp() - now) < 1e-3  # batches carry milliseconds
    assert second.section_id is None
    assert len(second.user_agent) == 256
    assert second.user_id == 12


async def test_stopping_drains_what_is_left() -> None:
    recorder = FakeRecorder()
    buffer = ViewBuffer(recorder, interval=10)  # type: ignore[arg-type]
    buffer.add((1, None, "v", "", None, time.time()))
    buffer.stop()
    await buffer.run()
    assert len(recorder.views) == 1


def test_a_read_is_journaled_before_it_is_answered(tmp_path: Path) -> None:
    spool = ViewSpool(tmp_path / "views.journal")
    recorder = FakeRecorder(spool)
    buffer = ViewBuffer(recorder)  # type: ignore[arg-type]
    buffer.add((7, 3, "v" * 32, "Mozilla/5.0", None, time.time()))
    spool.close()  # the process is killed here: the next one finds the read in the journal
    in_flight, pending = ViewSpool(tmp_path / "views.journal").recover()
    assert in_flight == []
    assert [v[0] for v in pending if isinstance(v, tuple)] == [7]
    buffer.drain()
    assert recorder.journaled == [True], "the recorder must not journal it a second time"
    assert recorder.compactions == 1, "compacted only once everything was handed over"
