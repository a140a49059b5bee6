"""Cached answers: one status, header set and body, whichever path serves the entry.

The edge's fast path and the routes (article API, article and print pages) both call
:meth:`CachedAnswers.answer`. Request ids and security headers are added around it by
the same functions on both paths (``common.http.request_id_of``, ``gateway.security``).
"""

from __future__ import annotations

from typing import Literal

from starlette.responses import Response

from gateway.cache.entry import CachedResponse

CacheState = Literal["hit", "stale", "miss"]
Header = tuple[bytes, bytes]
Answer = tuple[int, list[Header], bytes]
"""A complete response: status, headers, body."""

VARY = b"Authorization, Cookie"
PRIVATE = b"private, no-store"
PREPARED_ENTRIES = 1024  # entries whose header blocks are kept
_AGES = [str(n).encode() for n in range(1024)]
_STATES: dict[str, bytes] = {"hit": b"HIT", "stale": b"STALE", "miss": b"MISS"}


def _age(seconds: float) -> bytes:
    whole = int(seconds) if seconds > 0 else 0
    return _AGES[whole] if whole < len(_AGES) else str(whole).encode()


def public_head(entry: CachedResponse, state: str, *, not_modified: bool) -> list[Header]:
    """What every shared answer of ``entry`` carries; a 304 leaves out the body's headers."""
    head = [
        (b"etag", entry.etag.encode()),
        (b"cache-control", entry.cache_control().encode()),
        (b"vary", VARY),
        (b"x-cache", _STATES[state]),
    ]
    if not not_modified:
        head[:0] = [
            (b"content-type", entry.content_type.encode()),
            (b"content-length", str(len(entry.body)).encode()),
        ]
    return head


class CachedAnswers:
    """Builds answers from cache entries; header blocks are built once per entry and state."""

    def __init__(self) -> None:
        # by id(entry); the entry is kept alongside, so its id cannot be reused meanwhile
        self._heads: dict[
            int, tuple[CachedResponse, bytes, dict[tuple[str, bool], list[Header]]]
        ] = {}

    def answer(
        self,
        entry: CachedResponse,
        *,
        state: str,
        if_none_match: bytes | None,
        now: float,
    ) -> Answer:
        """The shared (public) answer: 304 when the client already holds this entry."""
        etag, blocks = self._known(entry)
        not_modified = entry.status == 200 and if_none_match == etag
        head = blocks.get((state, not_modified))
        if head is None:
            head = blocks[(state, not_modified)] = public_head(
                entry, state, not_modified=not_modified
            )
        age = (b"age", _age(now - entry.stored_at))
        if not_modified:
            return 304, [*head, age], b""
        return entry.status, [*head, age], entry.body

    def _known(self, entry: CachedResponse) -> tuple[bytes, dict[tuple[str, bool], list[Header]]]:
        """The entry's ETag as bytes and its header blocks by (state, 304), built once."""
        known = self._heads.get(id(entry))
        if known is None or known[0] is not entry:
            if len(self._heads) >= PREPARED_ENTRIES:
                self._heads.clear()
            known = self._heads[id(entry)] = (entry, entry.etag.encode(), {})
        return known[1], known[2]


def private_answer(entry: CachedResponse, *, state: str) -> Answer:
    """An answer for one user only: never stored by shared caches, no validators."""
    head = [
        (b"content-type", entry.content_type.encode()),
        (b"content-length", str(len(entry.body)).encode()),
        (b"cache-control", PRIVATE),
        (b"vary", VARY),
        (b"x-cache", _STATES[state]),
    ]
    return entry.status, head, entry.body


def as_response(answer: Answer) -> Response:
    """An answer as a Starlette response, its headers exactly as given."""
    status, head, body = answer
    response = Response(content=body, status_code=status)
    response.raw_headers = list(head)
    return response
