"""Errors a browser sees: a Chinese page in the site's layout instead of the API's JSON.

Every error answer of the app is JSON (``common.errors``); for a request that accepts
``text/html`` on a page path (anything but ``/api/``, health, metrics and static files)
:class:`HtmlErrorPages` turns it into ``error.html`` with the same status. The edge's own
refusals (rate limits) use :func:`edge_error_page` for the same requests.
"""

from __future__ import annotations

import contextlib
import logging
from functools import lru_cache
from typing import Any

import orjson
from fastapi import Response
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.api.responses import PRIVATE
from gateway.context import Gateway
from gateway.fetch import Caller
from gateway.web.error_text import describe
from gateway.web.render import HTML, Page, render, section_tree
from gateway.web.session import WebSession, apply_session, web_session

log = logging.getLogger(__name__)
NOT_PAGES = ("/api/", "/healthz", "/readyz", "/metrics", "/static/")


def wants_html(path: str, accept: bytes | None) -> bool:
    """Whether an error for this request should be a page: a browser asking for a page."""
    return accept is not None and b"text/html" in accept and not path.startswith(NOT_PAGES)


def error_page(status: int, answer: dict[str, Any] | None = None, retry_after: str = "") -> Page:
    """``error.html`` for a status and the app's JSON error."""
    title, detail = describe(status, answer, retry_after)
    return Page("error.html", {"title": title, "detail": detail}, status=status)


@lru_cache(maxsize=128)
def edge_error_page(status: int, retry_after: str = "") -> bytes:
    """An error page the edge answers itself (no session, no section list: nothing to wait on)."""
    return render(error_page(status, retry_after=retry_after), WebSession()).encode()


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    return next((v for k, v in headers if k.lower() == name), None)


class HtmlErrorPages:
    """Replaces JSON error answers to page requests by the site's Chinese error page."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not wants_html(
            scope["path"], _header(scope["headers"], b"accept")
        ):
            await self.app(scope, receive, send)
            return
        held: Message | None = None
        body: list[bytes] = []

        async def watch(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                kind = _header(headers, b"content-type") or b""
                if message["status"] >= 400 and kind.startswith(b"application/json"):
                    held = message
                    return
            elif message["type"] == "http.response.body" and held is not None:
                body.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                await self._page(scope, held, b"".join(body), send)
                return
            await send(message)

        await self.app(scope, receive, watch)

    async def _page(self, scope: Scope, start: Message, body: bytes, send: Send) -> None:
        status = int(start["status"])
        headers = start.get("headers", [])
        answer: Any = None
        with contextlib.suppress(orjson.JSONDecodeError):
            answer = orjson.loads(body)
        retry = (_header(headers, b"retry-after") or b"").decode("latin-1")
        page = error_page(status, answer if isinstance(answer, dict) else None, retry)
        request = Request(scope)
        gw: Gateway | None = getattr(request.app.state, "gateway", None)
        session = WebSession()
        if gw is not None:
            session, page.context["sections"] = await self._surroundings(request, gw)
        html = render(page, session).encode()
        kept = [
            (k, v)
            for k, v in headers
            if k.lower() in {b"retry-after", b"set-cookie", b"x-request-id", b"www-authenticate"}
        ]
        out = [
            (b"content-type", HTML.encode()),
            (b"content-length", str(len(html)).encode()),
            (b"cache-control", PRIVATE.encode()),
            *kept,
        ]
        if gw is not None:  # renewed or ended session cookies, as every page sends them
            cookies = apply_session(Response(), session, secure=gw.settings.cookie_secure)
            out += [(k, v) for k, v in cookies.raw_headers if k == b"set-cookie"]
        await send({"type": "http.response.start", "status": status, "headers": out})
        await send({"type": "http.response.body", "body": html})

    async def _surroundings(
        self, request: Request, gw: Gateway
    ) -> tuple[WebSession, list[dict[str, Any]]]:
        """The visitor (for the header) and the section list (for the nav); bare when down."""
        session = WebSession()
        try:
            session = await web_session(request, gw)
        except Exception:
            log.warning("error page without the session", exc_info=True)
        client = request.scope.get("state", {}).get("client")
        caller = Caller(client_id=getattr(client, "client_id", ""))
        try:
            sections = await section_tree(gw, caller)
        except Exception:
            sections = []
        return session, sections
