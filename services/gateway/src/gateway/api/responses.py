"""Turning cached entries into HTTP responses on the routes (the edge uses the same answers)."""

from __future__ import annotations

import time

from fastapi import Request, Response

from gateway.cache.entry import CachedResponse
from gateway.context import Gateway
from gateway.reads.responder import as_response, private_answer

PRIVATE = "private, no-store"
VARY = "Authorization, Cookie"


def cached_response(
    request: Request,
    gw: Gateway,
    entry: CachedResponse,
    *,
    state: str,
    public: bool,
) -> Response:
    """The entry as a response: shared answers carry validators and 304 when unchanged."""
    if not public:
        return as_response(private_answer(entry, state=state))
    answer = gw.answers.answer(
        entry,
        state=state,
        if_none_match=request.headers.get("if-none-match", "").encode("latin-1") or None,
        now=time.time(),
    )
    return as_response(answer)
