"""Outer layers of every request: client identity, rate limits, the cached-read fast path."""

from __future__ import annotations

import itertools
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from common.errors import TooManyRequestsError
from gateway.cache.entry import CachedResponse
from gateway.clients import client_ip
from gateway.context import Gateway
from gateway.ratelimit import Limit
from gateway.security import SECURITY_HEADERS

ARTICLE_PATH = re.compile(r"^/(api/v1/)?articles/(\d{1,12})$")
UNLIMITED_PREFIXES = ("/healthz", "/readyz", "/metrics", "/static/")


@dataclass(frozen=True, slots=True)
class ClientInfo:
    """The caller as the gateway sees it; only the hashes ever leave the process."""

    ip: str
    user_agent: str
    client_id: str  # salted hash of IP + user agent: X-Client-Id upstream, the view's visitor
    limit_key: str  # salted hash of the IP alone: rate limits cannot be dodged by changing UA


def client_info(scope: Scope) -> ClientInfo:
    """The client info the edge attached to a request."""
    info: ClientInfo = scope["state"]["client"]
    return info


def is_anonymous(headers: dict[bytes, bytes]) -> bool:
    """No bearer token and no session cookie: the request may be served from shared caches."""
    if b"authorization" in headers:
        return False
    cookie = headers.get(b"cookie")
    return cookie is None or (b"nr_at=" not in cookie and b"nr_rt=" not in cookie)


def route_class(method: str, path: str) -> str | None:
    """Which rate-limit budget a request draws from (None: not limited)."""
    if path.startswith(UNLIMITED_PREFIXES):
        return None
    if method in {"GET", "HEAD", "OPTIONS"}:
        return "read"
    if path.endswith("/comments"):
        return "comment"
    if path in {"/login", "/register", "/api/v1/auth/login", "/api/v1/auth/register"}:
        return "login"
    return "write"


def _headers(scope: Scope) -> dict[bytes, bytes]:
    return dict(scope["headers"])


async def _send_json(
    send: Send, status: int, body: dict[str, object], extra: list[tuple[bytes, bytes]]
) -> None:
    payload = orjson.dumps(body)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                *extra,
                *SECURITY_HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


class EdgeMiddleware:
    """Identifies the client, enforces per-class rate limits and serves fresh cached reads.

    The fast path (a fresh, locally cached article for an anonymous reader) is written for
    speed: one clock read, memoised client hashes, precomputed response headers.
    """

    def __init__(self, app: ASGIApp, gateway: Callable[[], Gateway | None]) -> None:
        self.app = app
        self._gateway = gateway
        self._heads: dict[str, list[tuple[bytes, bytes]]] = {}
        self._ids = itertools.count(1)
        self._id_prefix = uuid.uuid4().hex[:12]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        gw = self._gateway() if scope["type"] == "http" else None
        if gw is None:
            await self.app(scope, receive, send)
            return
        now = time.time()
        headers = dict(scope["headers"])
        if scope["method"] == "GET" and not scope["query_string"]:
            match = ARTICLE_PATH.match(scope["path"])
            if match is not None and is_anonymous(headers):
                if await self._serve_cached(gw, scope, headers, match, send, now):
                    return
        info = await self._identify(gw, scope, headers, now)
        scope.setdefault("state", {})["client"] = info
        method, path = scope["method"], scope["path"]
        limit_class = route_class(method, path)
        if limit_class is not None:
            wait = await self._over_limit(gw, limit_class, info.limit_key, now)
            if wait:
                await _too_many(send, limit_class, wait)
                return
        await self.app(scope, receive, send)

    async def _identify(
        self, gw: Gateway, scope: Scope, headers: dict[bytes, bytes], now: float
    ) -> ClientInfo:
        ip = client_ip(
            headers, scope.get("client"), trust_forwarded=gw.settings.trust_forwarded_for
        )
        ua = headers.get(b"user-agent", b"").decode("latin-1")[:256]
        ids = gw.client_ids
        client_id = ids.peek(ip, ua, now) or await ids.visitor(ip, ua)
        limit_key = ids.peek(ip, "", now) or await ids.visitor(ip, "")
        ids.remember_pair(ip, ua, (client_id, limit_key))
        return ClientInfo(ip=ip, user_agent=ua, client_id=client_id, limit_key=limit_key)

    async def _over_limit(self, gw: Gateway, limit_class: str, key: str, now: float) -> float:
        if limit_class == "read":
            return gw.read_limiter.check(key, now)
        limit = Limit(limit_class, _per_minute(gw, limit_class))
        try:
            await gw.limiter.hit(limit, key)
        except TooManyRequestsError as exc:
            return float(exc.retry_after)
        return 0.0

    def _head(self, entry: CachedResponse, *, not_modified: bool) -> list[tuple[bytes, bytes]]:
        """The response headers of an entry (200 or 304) that never change, built once."""
        key = ("304:" if not_modified else "200:") + entry.etag
        head = self._heads.get(key)
        if head is None:
            if len(self._heads) > 1000:
                self._heads.clear()
            length = b"0" if not_modified else str(len(entry.body)).encode()
            head = self._heads[key] = [
                (b"content-type", entry.content_type.encode()),
                (b"cache-control", entry.cache_control().encode()),
                (b"vary", b"Authorization, Cookie"),
                (b"x-cache", b"HIT"),
                (b"content-length", length),
                *SECURITY_HEADERS,
            ]
        return head

    async def _serve_cached(
        self,
        gw: Gateway,
        scope: Scope,
        headers: dict[bytes, bytes],
        match: re.Match[str],
        send: Send,
        now: float,
    ) -> bool:
        """Answer a fresh cached article (or a stale one being refreshed) right here."""
        api, article_id = match.groups()
        key = ("api:article:" if api else "page:article:") + article_id
        entry = gw.cache.cache.local.get(key)
        if entry is None:
            return False
        age = now - entry.stored_at
        if age >= entry.fresh_for and not (
            age < entry.fresh_for + entry.stale_for and gw.cache.refreshing(key)
        ):
            return False  # the app serves it and starts the refresh; stale copies after
        ua = headers.get(b"user-agent", b"").decode("latin-1")[:256]
        ip = client_ip(
            headers, scope.get("client"), trust_forwarded=gw.settings.trust_forwarded_for
        )
        ids = gw.client_ids.pair(ip, ua, now)
        if ids is None:
            return False  # first visit today: the full path hashes and memoises it
        wait = gw.read_limiter.check(ids[1], now)
        if wait:
            await _too_many(send, "read", wait)
            return True
        gw.view_buffer.add((int(article_id), entry.meta.get("section_id"), ids[0], ua, None, now))
        not_modified = headers.get(b"if-none-match") == entry.etag.encode()
        await send(
            {
                "type": "http.response.start",
                "status": 304 if not_modified else entry.status,
                "headers": [
                    *self._head(entry, not_modified=not_modified),
                    (b"etag", entry.etag.encode()),
                    (b"age", str(int(age)).encode()),
                    (b"x-request-id", f"{self._id_prefix}{next(self._ids):x}".encode()),
                ],
            }
        )
        body = b"" if not_modified else entry.body
        await send({"type": "http.response.body", "body": body})
        return True


async def _too_many(send: Send, limit_class: str, wait: float) -> None:
    await _send_json(
        send,
        429,
        {"error": "rate_limited", "detail": f"too many requests ({limit_class})"},
        [(b"retry-after", str(max(1, int(wait + 0.999))).encode())],
    )


def _per_minute(gw: Gateway, limit_class: str) -> int:
    s = gw.settings
    return {
        "comment": s.rate_comment_per_minute,
        "login": s.rate_login_per_minute,
    }.get(limit_class, s.rate_write_per_minute)
