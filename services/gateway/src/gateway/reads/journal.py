"""The reads a gateway process answered, on local disk, so that a kill loses none.

Every answered read gets the next sequence number and is appended to the current
segment before the answer leaves. A segment is a file mapped into memory, so an append
is a copy into the page cache with no system call; it survives the process being killed
(not the machine losing power). Segments hold at most ``segment_bytes`` each; the whole
journal at most ``budget_bytes``, past which :meth:`ReadJournal.append` refuses.

Besides reads (JSON arrays of :class:`~gateway.reads.read.Read`'s fields), a segment
holds two kinds of control lines:

- ``{"batch": "<event id>", "first": n, "count": c}``: reads ``n .. n+c-1`` were formed
  into one ``views.recorded`` message with that id (re-sent with the same id after a
  kill, so analytics counts it once);
- ``{"acked": n}``: Kafka has every read before ``n``.

Batches are acknowledged in order, so a closed segment whose reads all lie before the
last acknowledgement is deleted: no file is ever rewritten.
"""

from __future__ import annotations

import fcntl
import logging
import mmap
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from gateway.reads.read import Read, read_from_line

SEGMENT_BYTES = 1 << 20  # about 8,000 reads: quick to load back, few files
_APPEND = orjson.OPT_APPEND_NEWLINE
log = logging.getLogger(__name__)


class JournalInUseError(RuntimeError):
    """Another process writes this journal."""


@dataclass(frozen=True, slots=True)
class DeclaredBatch:
    """A batch formed before the process stopped; Kafka may or may not have it."""

    event_id: uuid.UUID
    first: int
    count: int


@dataclass(slots=True)
class _Segment:
    path: Path
    first: int  # sequence number of its first read
    reads: int = 0
    size: int = 0  # bytes of lines

    @property
    def end(self) -> int:
        return self.first + self.reads


@dataclass(slots=True)
class Recovered:
    """What the journal held when it was opened."""

    acked: int = 0  # every read before this sequence number is in Kafka
    batches: list[DeclaredBatch] = field(default_factory=list)  # not acknowledged, in order


def _segment_name(number: int, first: int) -> str:
    return f"{number:08d}-{first:016d}.seg"


def _complete_lines(data: bytes) -> bytes:
    """The bytes up to the last newline: a line cut short by a kill was never answered."""
    end = data.find(b"\0")
    if end >= 0:
        data = data[:end]
    return data[: data.rfind(b"\n") + 1]


class ReadJournal:
    """The segmented journal of one gateway process (one directory, one writer)."""

    def __init__(
        self, directory: Path, *, budget_bytes: int, segment_bytes: int = SEGMENT_BYTES
    ) -> None:
        self.directory = directory
        self.budget_bytes = budget_bytes
        self._segment_bytes = segment_bytes
        directory.mkdir(parents=True, exist_ok=True)
        self._lock_fd = os.open(directory / "lock", os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._lock_fd)
            raise JournalInUseError(f"{directory} is used by another process") from None
        self._closed: list[_Segment] = []
        self._closed_bytes = 0
        self._loading: tuple[_Segment, list[bytes]] | None = None
        self._fd = -1
        self._map: mmap.mmap
        self._capacity = self._pos = 0
        self._current: _Segment
        self.recovered = self._recover()
        first = self._closed[-1].end if self._closed else self.recovered.acked
        self._number = int(self._closed[-1].path.name[:8]) if self._closed else 0
        self._open_segment(first)

    # -- the hot path -------------------------------------------------------------

    def append(self, read: Read) -> bool:
        """Journal one read; False (nothing written) when the disk budget is spent."""
        line = orjson.dumps(read, default=tuple, option=_APPEND)
        end = self._pos + len(line)
        if self._closed_bytes + end > self.budget_bytes:
            return False
        if end > self._capacity:
            self._rotate()
            end = len(line)
        self._map[self._pos : end] = line
        self._pos = end
        self._current.reads += 1
        return True

    @property
    def end(self) -> int:
        """The sequence number the next read gets."""
        return self._current.end

    # -- control lines ------------------------------------------------------------

    def declare(self, event_id: uuid.UUID, first: int, count: int) -> None:
        """Journal that reads ``first .. first+count-1`` form the batch ``event_id``."""
        entry = {"batch": str(event_id), "first": first, "count": count}
        self._control(orjson.dumps(entry, option=_APPEND))

    def acknowledge(self, upto: int) -> None:
        """Journal that Kafka has every read before ``upto``; delete segments now useless."""
        self._control(orjson.dumps({"acked": upto}, option=_APPEND))
        self._delete_before(upto)

    def _delete_before(self, upto: int) -> None:
        while self._closed and self._closed[0].end <= upto:
            segment = self._closed.pop(0)
            self._closed_bytes -= segment.size
            segment.path.unlink(missing_ok=True)
            if self._loading is not None and self._loading[0] is segment:
                self._loading = None

    def _control(self, line: bytes) -> None:
        # control lines are never refused: a lost declaration could count a batch twice
        end = self._pos + len(line)
        if end > self._capacity:
            self._rotate()
            end = len(line)
        self._map[self._pos : end] = line
        self._pos = end

    # -- reading back ---------------------------------------------------------------

    def load(self, first: int, limit: int) -> list[Read]:
        """Up to ``limit`` journaled reads from sequence number ``first`` on, in order."""
        out: list[Read] = []
        for segment in (*self._closed, self._current):
            if segment.end <= first or len(out) >= limit:
                continue
            lines = self._read_lines(segment)
            start = max(first - segment.first, 0)
            for line in lines[start : start + limit - len(out)]:
                out.append(self._parse(line))
            first = segment.end
        return out

    def _read_lines(self, segment: _Segment) -> list[bytes]:
        """The segment's read lines; a closed segment's are kept while it is being loaded."""
        if segment is self._current:
            return [line for line in self._map[: self._pos].split(b"\n") if line[:1] == b"["]
        if self._loading is None or self._loading[0] is not segment:
            data = _complete_lines(segment.path.read_bytes())
            self._loading = (segment, [line for line in data.split(b"\n") if line[:1] == b"["])
        return self._loading[1]

    @staticmethod
    def _parse(line: bytes) -> Read:
        try:
            return read_from_line(orjson.loads(line))
        except (orjson.JSONDecodeError, TypeError) as exc:
            raise JournalDamagedError(f"unreadable read in the journal: {line[:80]!r}") from exc

    def size(self) -> int:
        """Bytes of lines in the journal."""
        return self._closed_bytes + self._pos

    # -- files ----------------------------------------------------------------------

    def _open_segment(self, first: int) -> None:
        self._number += 1
        path = self.directory / _segment_name(self._number, first)
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
        os.ftruncate(self._fd, self._segment_bytes)  # sparse until written
        self._map = mmap.mmap(self._fd, self._segment_bytes)
        self._capacity = self._segment_bytes
        self._pos = 0
        self._current = _Segment(path, first)

    def _close_segment(self) -> None:
        self._map.close()
        os.ftruncate(self._fd, self._pos)  # a closed segment has no zero tail
        os.close(self._fd)
        self._current.size = self._pos

    def _rotate(self) -> None:
        self._close_segment()
        self._closed.append(self._current)
        self._closed_bytes += self._current.size
        self._open_segment(self._current.end)

    def _recover(self) -> Recovered:
        recovered = Recovered()
        declared: list[DeclaredBatch] = []
        for path in sorted(self.directory.glob("*.seg")):
            data = _complete_lines(path.read_bytes())
            segment = _Segment(path, int(path.stem.split("-")[1]), size=len(data))
            if len(data) != path.stat().st_size:
                path.write_bytes(data)  # cut the zero tail (and a half-written line)
            for line in data.split(b"\n"):
                if line[:1] == b"[":
                    segment.reads += 1
                elif line[:1] == b"{":
                    self._recover_control(line, declared, recovered)
            if not self._closed:
                recovered.acked = max(recovered.acked, segment.first)
            self._closed.append(segment)
            self._closed_bytes += segment.size
        recovered.batches = [b for b in declared if b.first >= recovered.acked]
        self._delete_before(recovered.acked)
        return recovered

    @staticmethod
    def _recover_control(line: bytes, declared: list[DeclaredBatch], into: Recovered) -> None:
        try:
            entry = orjson.loads(line)
            if "acked" in entry:
                into.acked = max(into.acked, int(entry["acked"]))
            else:
                batch = DeclaredBatch(uuid.UUID(entry["batch"]), entry["first"], entry["count"])
                declared.append(batch)
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            log.exception("skipping a damaged control line in the read journal: %r", line[:80])

    def close(self) -> None:
        """Close the journal and let another process take it."""
        self._close_segment()
        if self._current.reads == 0 and self._pos == 0:
            self._current.path.unlink(missing_ok=True)
        os.close(self._lock_fd)


class JournalDamagedError(RuntimeError):
    """A journaled read cannot be read back."""
