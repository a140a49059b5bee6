"""Read counting: every article read becomes a view event, batched off the request path.

The request path appends a tuple to a list and, when the recorder has a journal, writes
it there too (one unbuffered write, about a microsecond), so a read that was answered is
never lost even if the process is killed. A background task turns the list into
``ArticleView`` models in bulk every few milliseconds and hands them to
``common.view_recorder.ViewRecorder``, which publishes batches to Kafka.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter, ValidationError

from common.events.views import ArticleView
from common.view_recorder import ViewRecorder

if TYPE_CHECKING:
    from gateway.context import Gateway

log = logging.getLogger(__name__)
_VIEWS = TypeAdapter(list[ArticleView])
Pending = tuple[int, Any, str, str, int | None, float]


class ViewBuffer:
    """The cheapest possible ``record``; conversion and publishing happen in the background."""

    def __init__(self, recorder: ViewRecorder, *, interval: float = 0.02) -> None:
        self._recorder = recorder
        self._journal = recorder.spool
        self._interval = interval
        self._pending: list[Pending] = []
        self._stopping = asyncio.Event()

    def add(self, view: Pending) -> None:
        """Queue one read (article, section, visitor, user agent, user, unix time)."""
        if self._journal is not None:
            self._journal.view_tuple(view)
        self._pending.append(view)

    def __len__(self) -> int:
        return len(self._pending)

    def drain(self) -> int:
        """Hand everything queued to the recorder now; returns how many views."""
        pending, self._pending = self._pending, []
        if not pending:
            return 0
        rows = [
            {
                "article_id": a,
                "section_id": s if isinstance(s, int) else None,
                "visitor": v,
                "user_agent": ua[:256],
                "user_id": u,
                "at": datetime.fromtimestamp(t, UTC),
            }
            for a, s, v, ua, u, t in pending
        ]
        try:
            views = _VIEWS.validate_python(rows)
        except ValidationError:  # never expected: the edge builds these itself
            log.exception("dropping %d malformed views", len(rows))
            return 0
        journaled = self._journal is not None
        for view in views:
            self._recorder.record(view, journaled=journaled)
        return len(views)

    def stop(self) -> None:
        """Drain once more and return from :meth:`run`."""
        self._stopping.set()

    async def run(self) -> None:
        """Drain every ``interval`` until stopped."""
        while not self._stopping.is_set():
            try:
                await asyncio.wait_for(self._stopping.wait(), self._interval)
            except TimeoutError:
                pass
            self.drain()
        self.drain()


def record_view(
    gw: Gateway,
    *,
    article_id: int,
    section_id: Any,
    visitor: str,
    user_agent: str,
    user_id: int | None,
    at: float,
) -> None:
    """Queue one read; never waits."""
    gw.view_buffer.add((article_id, section_id, visitor, user_agent, user_id, at))
