"""Read counting: every article read becomes a view event, batched off the request path.

The request path appends a tuple to a list and, when the recorder has a journal, writes
it there too (a copy into the memory-mapped journal), so a read that was answered is
never lost even if the process is killed. A background task hands the list to
``common.view_recorder.ViewRecorder`` every few milliseconds, as it is; the recorder
publishes batches to Kafka.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from common.view_recorder import ViewRecorder

if TYPE_CHECKING:
    from gateway.context import Gateway

log = logging.getLogger(__name__)
Pending = tuple[int, Any, str, str, int | None, float]


class ViewBuffer:
    """The cheapest possible ``record``; conversion and publishing happen in the background."""

    def __init__(self, recorder: ViewRecorder, *, interval: float = 0.02) -> None:
        self._recorder = recorder
        self._journal = recorder.spool
        self._journal_view = None if self._journal is None else self._journal.view_tuple
        self._interval = interval
        self._pending: list[Pending] = []
        self._stopping = False

    def add(self, view: Pending) -> None:
        """Queue one read (article, section, visitor, user agent, user, unix time)."""
        if self._journal_view is not None:
            self._journal_view(view)
        self._pending.append(view)

    def __len__(self) -> int:
        return len(self._pending)

    def drain(self) -> int:
        """Hand everything queued to the recorder now; returns how many views."""
        pending, self._pending = self._pending, []
        if not pending:
            return 0
        journaled = self._journal is not None
        self._recorder.record_many(pending, journaled=journaled)
        if journaled:
            self._recorder.compact_journal()  # everything journaled is the recorder's now
        return len(pending)

    def stop(self) -> None:
        """Drain once more and return from :meth:`run` (within one interval)."""
        self._stopping = True

    async def run(self) -> None:
        """Drain every ``interval`` until stopped."""
        while not self._stopping:
            await asyncio.sleep(self._interval)  # cheaper than a wait_for per round
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
