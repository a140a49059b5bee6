"""Calling the upstreams on behalf of a caller, through the cache when the answer is public."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import orjson

from common.gateway_trust import GATEWAY_SECRET_HEADER
from gateway.adapters.upstream import UpstreamResponse
from gateway.cache.entry import CachedResponse
from gateway.cache.flight import CacheState
from gateway.context import Gateway
from gateway.domain.errors import UpstreamUnavailableError

Params = Sequence[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class Caller:
    """What travels upstream about the caller: never cookies, never the raw IP."""

    client_id: str
    request_id: str = ""
    token: str | None = None

    def headers(self, content_type: str | None = None) -> dict[str, str]:
        """Request headers for an upstream call."""
        headers = {"x-client-id": self.client_id, "accept": "application/json"}
        if self.request_id:
            headers["x-request-id"] = self.request_id
        if self.token:
            headers["authorization"] = f"Bearer {self.token}"
        if content_type:
            headers["content-type"] = content_type
        return headers

    def anonymous(self) -> Caller:
        """The same client without credentials (for public data shared by everyone)."""
        return Caller(client_id=self.client_id, request_id=self.request_id)


async def call(
    gw: Gateway,
    upstream: str,
    method: str,
    path: str,
    *,
    caller: Caller,
    params: Params = (),
    body: bytes | None = None,
    content_type: str | None = None,
    time_limit: float | None = None,
) -> UpstreamResponse:
    """One request to an upstream with the caller's identity (vouched for by the secret)."""
    headers = caller.headers(content_type)
    headers[GATEWAY_SECRET_HEADER] = gw.settings.gateway_secret
    return await gw.upstreams[upstream].request(
        method,
        path,
        params=list(params),
        headers=headers,
        content=body,
        time_limit=time_limit,
    )


def cache_key(upstream: str, path: str, params: Params) -> str:
    """The shared-cache key of a public GET."""
    return f"up:{upstream}:{path}?{urlencode(sorted(params))}"


async def cached_get(
    gw: Gateway,
    upstream: str,
    path: str,
    *,
    caller: Caller,
    params: Params = (),
    fresh_for: float | None = None,
    tags: tuple[str, ...] = (),
    time_limit: float | None = None,
) -> tuple[CachedResponse, CacheState]:
    """A GET answered from the cache when public; a caller with a token always goes upstream."""

    async def load() -> CachedResponse:
        response = await call(
            gw, upstream, "GET", path, caller=caller, params=params, time_limit=time_limit
        )
        return CachedResponse.build(
            response.content,
            response.headers.get("content-type", "application/json"),
            status=response.status_code,
            fresh_for=fresh_for or gw.settings.cache_fresh_seconds,
            stale_for=gw.settings.cache_stale_seconds,
            tags=tags,
        )

    if caller.token:
        return await load(), "miss"
    entry, state = await gw.cache.fetch(cache_key(upstream, path, params), load)
    assert entry is not None  # noqa: S101 - load() always answers or raises
    return entry, state


async def get_json(
    gw: Gateway,
    upstream: str,
    path: str,
    *,
    caller: Caller,
    params: Params = (),
    fresh_for: float | None = None,
    tags: tuple[str, ...] = (),
    time_limit: float | None = None,
) -> Any:
    """The JSON of a public GET (cached); 404 as None; other failures as unavailable."""
    entry, _ = await cached_get(
        gw,
        upstream,
        path,
        caller=caller,
        params=params,
        fresh_for=fresh_for,
        tags=tags,
        time_limit=time_limit,
    )
    if entry.status == 404:
        return None
    if entry.status != 200:
        raise UpstreamUnavailableError(f"{upstream} answered {entry.status} for {path}")
    return orjson.loads(entry.body)
