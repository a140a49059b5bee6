"""A local append-only journal of views, so a killed gateway loses no read and counts none twice.

Every view is written to the journal before the read is answered. The file is mapped
into memory (shared), so a write is a copy into the page cache with no system call: it
survives the process being killed, like an unbuffered ``write`` would (neither survives
the machine losing power). The mapped file grows in steps; what follows the last line is
zeros. Before a batch is published, a
line declares which views it holds and its event id; after Kafka acknowledges it, a
line records that. On start, declared but unacknowledged batches are re-sent with the
same event id (analytics drops the duplicate if the first send had arrived) and
undeclared views are batched anew.

Lines (JSON): ``{"v": view}`` or, written by the hot path, ``[article_id, section_id,
visitor, user_agent, user_id, unix_time]``; ``{"d": 1}`` (the view just journaled was dropped: the
buffer was full), ``{"b": event_id, "n": count}``, ``{"a": event_id}``. Views must be
journaled in the order the recorder queues them.
"""

from __future__ import annotations

import fcntl
import logging
import mmap
import os
import uuid
from collections import deque
from pathlib import Path
from typing import Any

import orjson

from common.events.views import ArticleView

COMPACT_AFTER_BYTES = 8 << 20
GROW_BYTES = 1 << 20  # the mapped file grows in steps of this size
log = logging.getLogger(__name__)


class JournalInUseError(RuntimeError):
    """Another process writes this journal."""


ViewTuple = tuple[Any, ...]
"""``(article_id, section_id, visitor, user_agent, user_id, unix_time)``: the read path's view."""
ViewItem = ArticleView | dict[str, Any] | ViewTuple
"""A view as a model, as the plain fields of :class:`ArticleView`, or as a :data:`ViewTuple`."""


class ViewSpool:
    """The journal of one recorder instance (one file per gateway process)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        # one process per journal: a second writer would interleave batches with ours
        self._lock_fd = os.open(path.with_suffix(".lock"), os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._lock_fd)
            raise JournalInUseError(f"{path} is used by another process") from None
        self._open()

    def _open(self) -> None:
        """Map the file and find where its lines end (the first zero byte)."""
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        size = os.fstat(self._fd).st_size
        if size == 0:
            os.ftruncate(self._fd, GROW_BYTES)
            size = GROW_BYTES
        self._map = mmap.mmap(self._fd, size)
        end = self._map.find(b"\0")
        self._end = size if end < 0 else end

    def _append(self, data: bytes) -> None:
        end = self._end + len(data)
        if end > len(self._map):
            self._grow(end)
        self._map[self._end : end] = data
        self._end = end

    def _grow(self, needed: int) -> None:
        size = (needed // GROW_BYTES + 1) * GROW_BYTES
        os.ftruncate(self._fd, size)
        self._map.resize(size)

    def _close_file(self) -> None:
        self._map.close()
        os.ftruncate(self._fd, self._end)  # a cleanly closed journal has no zero tail
        os.close(self._fd)

    def recover(self) -> tuple[list[tuple[uuid.UUID, list[ViewItem]]], deque[ViewItem]]:
        """Unacknowledged batches (to re-send as they were) and views not yet in a batch."""
        views: deque[ViewItem] = deque()
        declared: dict[uuid.UUID, list[ViewItem]] = {}
        for line in self._map[: self._end].splitlines():
            try:
                entry = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue  # a line cut short by the kill: its read was never answered
            if isinstance(entry, list):
                views.append(tuple(entry))
            elif "v" in entry:
                views.append(entry["v"])
            elif "d" in entry and views:
                views.pop()
            elif "b" in entry:
                count = min(entry["n"], len(views))
                if count < entry["n"]:
                    log.error("journal %s declares more views than it holds", self.path)
                declared[uuid.UUID(entry["b"])] = [views.popleft() for _ in range(count)]
            elif "a" in entry:
                declared.pop(uuid.UUID(entry["a"]), None)
        return list(declared.items()), views

    def compact(
        self, in_flight: list[tuple[uuid.UUID, list[ViewItem]]], pending: deque[ViewItem]
    ) -> None:
        """Rewrite the journal with only what is still owed to Kafka."""
        lines: list[bytes] = []
        for event_id, batch in in_flight:
            lines += [self._view_line(v) for v in batch]
            lines.append(self._batch_line(event_id, len(batch)))
        lines += [self._view_line(v) for v in pending]
        tmp = self.path.with_suffix(".tmp")
        tmp.write_bytes(b"".join(lines))
        self._map.close()
        os.close(self._fd)
        os.replace(tmp, self.path)
        self._open()

    def size(self) -> int:
        """Bytes of lines in the journal."""
        return self._end

    def view(self, view: ViewItem) -> None:
        """Journal one view."""
        self._append(self._view_line(view))

    def view_tuple(self, view: tuple[object, ...]) -> None:
        """Journal one view as (article, section, visitor, user agent, user, unix time)."""
        self._append(orjson.dumps(view, option=orjson.OPT_APPEND_NEWLINE))

    def dropped(self) -> None:
        """Journal that the view journaled last was dropped."""
        self._append(b'{"d":1}\n')

    def batch(self, event_id: uuid.UUID, count: int) -> None:
        """Journal that the next ``count`` views form batch ``event_id``."""
        self._append(self._batch_line(event_id, count))

    def acked(self, event_id: uuid.UUID) -> None:
        """Journal that Kafka has batch ``event_id``."""
        self._append(orjson.dumps({"a": str(event_id)}, option=orjson.OPT_APPEND_NEWLINE))

    def close(self) -> None:
        """Close the journal file and let another process take it."""
        self._close_file()
        os.close(self._lock_fd)

    @staticmethod
    def _view_line(view: ViewItem) -> bytes:
        if isinstance(view, tuple):
            return orjson.dumps(view, option=orjson.OPT_APPEND_NEWLINE)
        fields = view.model_dump(mode="json") if isinstance(view, ArticleView) else view
        return orjson.dumps({"v": fields}, option=orjson.OPT_APPEND_NEWLINE)

    @staticmethod
    def _batch_line(event_id: uuid.UUID, count: int) -> bytes:
        return orjson.dumps({"b": str(event_id), "n": count}) + b"\n"
