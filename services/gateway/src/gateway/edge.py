"""Outer layers of every request: client identity, rate limits, the cached-read fast path."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import NamedTuple

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from common.errors import TooManyRequestsError
from common.http import request_id_of
from common.http_metrics import HTTP_SERVER, UNMEASURED_PATHS, observed
from gateway.api.responses import PRIVATE
from gateway.cache.store import LOOKUPS
from gateway.clients import client_ip
from gateway.context import Gateway, GatewaySlot
from gateway.ratelimit import Limit
from gateway.reads.read import Read
from gateway.reads.responder import Answer
from gateway.security import SECURITY_HEADERS
from gateway.web.error_pages import edge_error_page, wants_html
from gateway.web.render import HTML

ARTICLE_PATH = re.compile(r"^/(api/v1/)?articles/(\d{1,12})$")
API_TEMPLATE = "/api/v1/articles/{article_id}"  # the routes' templates, for request metrics
PAGE_TEMPLATE = "/articles/{article_id}"
UNLIMITED_PREFIXES = ("/healthz", "/readyz", "/metrics", "/static/")
ROUTE_MEMO_ENTRIES = 4096  # paths whose article route (or its absence) is remembered
LOCAL_HIT = LOOKUPS.labels("local", "hit")
LOCAL_STALE = LOOKUPS.labels("local", "stale")


class ArticleRoute(NamedTuple):
    """An article path the fast path may answer."""

    cache_key: str
    article_id: int
    template: str


@dataclass(frozen=True, slots=True)
class ClientInfo:
    """The caller as the gateway sees it; only the hashes ever leave the process."""

    ip: str
    user_agent: str
    client_id: str  # salted hash of IP + user agent: X-Client-Id upstream, the view's visitor
    limit_key: str  # salted hash of the IP alone: rate limits cannot be dodged by changing UA
    address: str  # shorter salted hash of the IP (its /64 for IPv6): the view's address


def client_info(scope: Scope) -> ClientInfo:
    """The client info the edge attached to a request."""
    info: ClientInfo = scope["state"]["client"]
    return info


def read_of(scope: Scope, article_id: int, section_id: int | None, user_id: int | None) -> Read:
    """The read a routed request answered, for the recorder (the fast path builds its own
    from the ids it memoised)."""
    info = client_info(scope)
    return Read(
        article_id,
        section_id,
        info.client_id,
        info.user_agent,
        user_id,
        time.time(),
        info.address,
    )


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


def _json_answer(status: int, body: dict[str, object], extra: list[tuple[bytes, bytes]]) -> Answer:
    payload = orjson.dumps(body)
    head = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
        *extra,
        *SECURITY_HEADERS,
    ]
    return status, head, payload


async def _send(send: Send, answer: Answer) -> None:
    status, head, body = answer
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": body})


class EdgeMiddleware:
    """Identifies the client, enforces per-class rate limits and serves fresh cached reads.

    It is the outermost layer, so it also owns the gateway's request metrics: every
    request, whichever path answers it, is observed once in ``common.http_metrics``.
    The fast path (a fresh, locally cached article for an anonymous reader) answers
    through the same :class:`~gateway.reads.responder.CachedAnswers` as the routes, with
    one clock read, memoised routes and client hashes, and no coroutine of its own.
    """

    def __init__(self, app: ASGIApp, slot: GatewaySlot) -> None:
        self.app = app
        self._slot = slot
        self._routes: dict[str, ArticleRoute | None] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        gw = self._slot.gateway
        if gw is None or scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        now = time.time()
        headers = dict(scope["headers"])
        if scope["method"] == "GET" and not scope["query_string"]:
            route = self._route(scope["path"])
            if route is not None and is_anonymous(headers):
                answer = self._cached(gw, scope, headers, route, now)
                if answer is not None:  # the two sends inline: no extra coroutine per read
                    status, head, body = answer
                    await send({"type": "http.response.start", "status": status, "headers": head})
                    await send({"type": "http.response.body", "body": body})
                    HTTP_SERVER.observe(
                        "GET", route.template, status, time.perf_counter() - started
                    )
                    return
        if scope["path"].startswith(UNMEASURED_PATHS):
            await self._limited(scope, receive, send)
        else:
            await observed(self._limited, scope, receive, send)

    async def _limited(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The routed path: identify the client, apply its rate limit, run the app."""
        gw = self._slot.gateway
        assert gw is not None  # noqa: S101 - checked by the caller
        now = time.time()
        info = await self._identify(gw, scope, dict(scope["headers"]), now)
        scope.setdefault("state", {})["client"] = info
        limit_class = route_class(scope["method"], scope["path"])
        if limit_class is not None:
            wait = await self._over_limit(gw, limit_class, info.limit_key, now)
            if wait and limit_class == "comment" and wants_html(scope["path"], _accept(scope)):
                scope["state"]["comment_wait"] = wait  # the form route refuses, keeping the text
            elif wait:
                await _send(send, _too_many(limit_class, wait, scope))
                return
        await self.app(scope, receive, send)

    def _route(self, path: str) -> ArticleRoute | None:
        """The article route of a path, else None; memoised per path."""
        try:
            return self._routes[path]
        except KeyError:
            pass
        match = ARTICLE_PATH.match(path)
        route = None
        if match is not None:
            api, article_id = match.groups()
            route = ArticleRoute(
                ("api:article:" if api else "page:article:") + article_id,
                int(article_id),
                API_TEMPLATE if api else PAGE_TEMPLATE,
            )
        if len(self._routes) >= ROUTE_MEMO_ENTRIES:
            self._routes.clear()
        self._routes[path] = route
        return route

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
        address = ids.address(ip, now) or await ids.visitor_address(ip)
        ids.remember_pair(ip, ua, (client_id, limit_key, address))
        return ClientInfo(
            ip=ip, user_agent=ua, client_id=client_id, limit_key=limit_key, address=address
        )

    async def _over_limit(self, gw: Gateway, limit_class: str, key: str, now: float) -> float:
        if limit_class == "read":
            return gw.read_limiter.check(key, now)
        limit = Limit(limit_class, _per_minute(gw, limit_class))
        try:
            await gw.limiter.hit(limit, key)
        except TooManyRequestsError as exc:
            return float(exc.retry_after)
        return 0.0

    def _cached(
        self,
        gw: Gateway,
        scope: Scope,
        headers: dict[bytes, bytes],
        route: ArticleRoute,
        now: float,
    ) -> Answer | None:
        """The answer for a fresh cached article (or a stale one being refreshed), else None."""
        entry = gw.cache.cache.local.get(route.cache_key)
        if entry is None:
            return None
        age = now - entry.stored_at
        fresh = age < entry.fresh_for
        if not fresh and not (
            age < entry.fresh_for + entry.stale_for and gw.cache.refreshing(route.cache_key)
        ):
            return None  # the app serves it and starts the refresh; stale copies after
        ua = headers.get(b"user-agent", b"").decode("latin-1")[:256]
        ip = client_ip(
            headers, scope.get("client"), trust_forwarded=gw.settings.trust_forwarded_for
        )
        ids = gw.client_ids.pair(ip, ua, now)
        if ids is None:
            return None  # first visit today: the full path hashes and memoises it
        wait = gw.read_limiter.check(ids[1], now)
        if wait:
            return _too_many("read", wait, scope)
        gw.reads.record(
            Read(route.article_id, entry.meta.get("section_id"), ids[0], ua, None, now, ids[2])
        )
        (LOCAL_HIT if fresh else LOCAL_STALE).inc()
        status, head, body = gw.answers.answer(
            entry,
            state="hit" if fresh else "stale",
            if_none_match=headers.get(b"if-none-match"),
            now=now,
        )
        head.append((b"x-request-id", request_id_of(headers)))
        head += SECURITY_HEADERS
        return status, head, body


def _too_many(limit_class: str, wait: float, scope: Scope) -> Answer:
    retry = str(max(1, int(wait + 0.999)))
    if wants_html(scope["path"], _accept(scope)):  # a browser asked for a page: say it in one
        page = edge_error_page(429, retry)
        head = [
            (b"content-type", HTML.encode()),
            (b"content-length", str(len(page)).encode()),
            (b"cache-control", PRIVATE.encode()),
            (b"retry-after", retry.encode()),
            *SECURITY_HEADERS,
        ]
        return 429, head, page
    return _json_answer(
        429,
        {"error": "rate_limited", "detail": f"too many requests ({limit_class})"},
        [(b"retry-after", retry.encode())],
    )


def _accept(scope: Scope) -> bytes | None:
    return next((v for k, v in scope["headers"] if k == b"accept"), None)


def _per_minute(gw: Gateway, limit_class: str) -> int:
    s = gw.settings
    return {
        "comment": s.rate_comment_per_minute,
        "login": s.rate_login_per_minute,
    }.get(limit_class, s.rate_write_per_minute)
