"""Turning cached entries into HTTP responses: ETag, 304, Cache-Control, Vary."""

from __future__ import annotations

import time

from fastapi import Request, Response

from gateway.cache.entry import CachedResponse

PRIVATE = "private, no-store"
VARY = "Authorization, Cookie"


def cached_response(
    request: Request, entry: CachedResponse, *, state: str, public: bool
) -> Response:
    """The entry as a response; 304 when the client already has it."""
    headers = {"Vary": VARY, "X-Cache": state.upper()}
    if public:
        headers["ETag"] = entry.etag
        headers["Cache-Control"] = entry.cache_control()
        headers["Age"] = str(int(entry.age(time.time())))
        if request.headers.get("if-none-match") == entry.etag and entry.status == 200:
            return Response(status_code=304, headers=headers)
    else:
        headers["Cache-Control"] = PRIVATE
    return Response(
        content=entry.body, status_code=entry.status, media_type=entry.content_type, headers=headers
    )
