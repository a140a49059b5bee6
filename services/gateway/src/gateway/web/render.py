"""Rendering pages: shared HTML for anonymous readers, private HTML for logged-in users."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request, Response
from fastapi.responses import HTMLResponse

from common.errors import NotFoundError
from gateway.api.responses import PRIVATE, cached_response
from gateway.cache.entry import CachedResponse
from gateway.cache.invalidation import SECTIONS
from gateway.context import Gateway
from gateway.domain.errors import UpstreamUnavailableError
from gateway.fetch import Caller, get_json
from gateway.web.error_text import describe
from gateway.web.session import WebSession, apply_session
from gateway.web.templates import templates

HTML = "text/html; charset=utf-8"


@dataclass(slots=True)
class Page:
    """A template with its data and how its shared copy may be cached."""

    template: str
    context: dict[str, Any]
    tags: tuple[str, ...] = ()
    fresh_for: float = 30.0
    meta: dict[str, Any] = field(default_factory=dict)
    status: int = 200


PageBuilder = Callable[[], Awaitable[Page]]


def render(page: Page, session: WebSession) -> str:
    """The page's HTML for a session."""
    user = session.principal
    context = {
        **page.context,
        "session": session,
        "user": user,
        "csrf": session.csrf,
        "is_moderator": session.has_role("moderator"),
        "is_editor": session.has_role("editor"),
        "is_admin": session.has_role("admin"),
    }
    return templates.get_template(page.template).render(context)


async def serve_page(
    request: Request, gw: Gateway, session: WebSession, *, key: str | None, build: PageBuilder
) -> Response:
    """Anonymous readers share one cached copy (by ``key``); users get theirs rendered fresh."""
    secure = gw.settings.cookie_secure
    build = _with_error_pages(build)
    if session.anonymous and key is not None and not session.ended:

        async def load() -> CachedResponse:
            page = await build()
            return CachedResponse.build(
                render(page, session).encode(),
                HTML,
                status=page.status,
                fresh_for=page.fresh_for,
                stale_for=gw.settings.cache_stale_seconds,
                tags=page.tags,
                meta=page.meta,
            )

        entry, state = await gw.cache.fetch(f"page:{key}", load)
        assert entry is not None  # noqa: S101 - load() answers or raises
        request.state.page_meta = entry.meta
        return cached_response(request, gw, entry, state=state, public=entry.status == 200)
    page = await build()
    request.state.page_meta = page.meta
    response = HTMLResponse(
        render(page, session), status_code=page.status, headers={"Cache-Control": PRIVATE}
    )
    response.headers["Vary"] = "Authorization, Cookie"
    return apply_session(response, session, secure=secure)


def _with_error_pages(build: PageBuilder) -> PageBuilder:
    async def guarded() -> Page:
        try:
            return await build()
        except (NotFoundError, UpstreamUnavailableError) as exc:
            title, detail = describe(exc.status_code)
            return Page("error.html", {"title": title, "detail": detail}, status=exc.status_code)

    return guarded


def plain_page(page: Page, session: WebSession, *, secure: bool) -> Response:
    """A page never shared (forms, desks): rendered for this session, not cached."""
    response = HTMLResponse(
        render(page, session), status_code=page.status, headers={"Cache-Control": PRIVATE}
    )
    return apply_session(response, session, secure=secure)


async def section_tree(gw: Gateway, caller: Caller) -> list[dict[str, Any]]:
    """The section forest for navigation; empty when articles is unavailable."""
    try:
        payload = await get_json(
            gw,
            "articles",
            "/api/v1/sections",
            caller=caller.anonymous(),
            tags=(SECTIONS,),
            fresh_for=60.0,
            time_limit=gw.settings.part_timeout,
        )
    except UpstreamUnavailableError:
        return []
    items = payload.get("items") if isinstance(payload, dict) else None
    return items if isinstance(items, list) else []
