"""One cached page, every path that can answer it: the same answer, counted the same way.

A reader's first request of the day goes through the routes (the edge has not hashed
their address and user agent yet); the next ones are answered by the edge's fast path.
Both must give the same status, headers and bytes, and count the read once each in the
request metrics, the cache lookups and the reads sent to analytics.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from common.http_metrics import HTTP_SERVER
from gateway.cache.entry import CachedResponse
from gateway.cache.store import LOOKUPS
from gateway.reads.read import Read

PATHS = [
    ("/articles/{id}", "page:article:{id}", "text/html; charset=utf-8", b"<html>article</html>"),
    ("/api/v1/articles/{id}", "api:article:{id}", "application/json", b'{"id":1}'),
]
VARYING = {"age", "date", "server"}  # the clock's, not the path's


def _series(method: str, route: str, status: int) -> float:
    series = HTTP_SERVER._series.get((method, route, status))
    return 0.0 if series is None else sum(series[:-1])


class Spy:
    """Counts route-path cache fetches and keeps every read the gateway records."""

    def __init__(self, gw: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        self.fetches = 0
        self.reads: list[Read] = []
        fetch: Callable[..., Any] = gw.cache.fetch
        record: Callable[[Read], None] = gw.reads.record

        async def counting_fetch(*args: Any, **kwargs: Any) -> Any:
            self.fetches += 1
            return await fetch(*args, **kwargs)

        def keeping_record(read: Read) -> None:
            self.reads.append(read)
            record(read)

        monkeypatch.setattr(gw.cache, "fetch", counting_fetch)
        monkeypatch.setattr(gw.reads, "record", keeping_record)


async def _read_twice(
    client: httpx.AsyncClient, spy: Spy, path: str, headers: dict[str, str]
) -> tuple[httpx.Response, httpx.Response]:
    routed = await client.get(path, headers=headers)
    assert spy.fetches == 1, "a first visit is answered by the routes"
    fast = await client.get(path, headers=headers)
    assert spy.fetches == 1, "a later one by the edge's fast path"
    return routed, fast


def _comparable(response: httpx.Response) -> list[tuple[str, str]]:
    return sorted((k, v) for k, v in response.headers.multi_items() if k not in VARYING)


@pytest.mark.parametrize(("template", "key", "content_type", "body"), PATHS)
@pytest.mark.parametrize("revalidating", [False, True])
async def test_every_path_answers_and_counts_a_cached_read_alike(
    gateway_app: FastAPI,
    gateway_client: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
    template: str,
    key: str,
    content_type: str,
    body: bytes,
    revalidating: bool,
) -> None:
    gw = gateway_app.state.gateway
    article_id = 700_000 + uuid.uuid4().int % 100_000
    entry = CachedResponse.build(body, content_type, fresh_for=60, meta={"section_id": 5})
    gw.cache.cache.local.put(key.format(id=article_id), entry)
    spy = Spy(gw, monkeypatch)
    route = template.replace("{id}", "{article_id}")
    status = 304 if revalidating else 200
    headers = {"user-agent": f"Mozilla/5.0 parity/{uuid.uuid4().hex}", "x-request-id": "parity-1"}
    if revalidating:
        headers["if-none-match"] = entry.etag
    requests_before = _series("GET", route, status)
    hits_before = LOOKUPS.labels("local", "hit").value

    routed, fast = await _read_twice(gateway_client, spy, template.format(id=article_id), headers)

    assert routed.status_code == fast.status_code == status
    assert routed.content == fast.content == (b"" if revalidating else body)
    assert _comparable(routed) == _comparable(fast)
    assert fast.headers["x-request-id"] == "parity-1", "the caller's request id comes back"
    assert fast.headers["etag"] == entry.etag
    assert fast.headers["vary"] == "Authorization, Cookie"
    assert fast.headers["cache-control"] == "public, max-age=60, stale-while-revalidate=300"
    assert ("content-length" in fast.headers) is not revalidating, "no length on a 304"
    assert _series("GET", route, status) - requests_before == 2, "both in the request metrics"
    assert LOOKUPS.labels("local", "hit").value - hits_before == 2, "both cache hits"
    first, second = spy.reads
    assert first._replace(at=0) == second._replace(at=0), "the same read for analytics"
    assert (first.article_id, first.section_id, first.user_id) == (article_id, 5, None)
