"""Read counting on fakes: the buffer turns queued reads into views for the recorder."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from common.events.views import ArticleView
from common.view_spool import ViewSpool
from gateway.views import ViewBuffer


class FakeRecorder:
    """Collects what would be published."""

    def __init__(self, spool: ViewSpool | None = None) -> None:
        self.views: list[ArticleView] = []
        self.spool = spool
        self.journaled: list[bool] = []
        self.compactions = 0

    def record(self, view: ArticleView | dict[str, Any], *, journaled: bool = False) -> None:
        # what analytics will do with every view: validate it against the event schema
        self.views.append(ArticleView.model_validate(view))
        self.journaled.append(journaled)

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
    assert abs(first.at.timestamp() - now) < 1e-5
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
    assert [v["article_id"] for v in pending if isinstance(v, dict)] == [7]
    buffer.drain()
    assert recorder.journaled == [True], "the recorder must not journal it a second time"
    assert recorder.compactions == 1, "compacted only once everything was handed over"
