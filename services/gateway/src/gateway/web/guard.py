"""Role gates of staff pages: anonymous visitors go to login, users without the role get 403."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Request, Response
from fastapi.responses import RedirectResponse

from gateway.context import Gateway
from gateway.fetch import call
from gateway.web.pages import web_caller
from gateway.web.render import Page, plain_page
from gateway.web.session import WebSession


def refuse(request: Request, gw: Gateway, session: WebSession, *roles: str) -> Response | None:
    """None when the session holds one of ``roles``; else the login redirect or a 403 page."""
    if session.has_role(*roles):
        return None
    if session.anonymous:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    page = Page(
        "error.html", {"title": "没有权限", "detail": "您的账户无权访问此页面。"}, status=403
    )
    return plain_page(page, session, secure=gw.settings.cookie_secure)


async def staff_call(
    request: Request,
    gw: Gateway,
    session: WebSession,
    upstream: str,
    method: str,
    path: str,
    *,
    params: list[tuple[str, str]] | None = None,
    payload: Any = None,
) -> tuple[int, Any]:
    """Call a staff API with the session's token; (status, parsed JSON or {})."""
    body = orjson.dumps(payload) if payload is not None else None
    response = await call(
        gw,
        upstream,
        method,
        path,
        caller=web_caller(request, session),
        params=params or [],
        body=body,
        content_type="application/json" if body is not None else None,
    )
    try:
        return response.status_code, orjson.loads(response.content or b"{}")
    except orjson.JSONDecodeError:
        return response.status_code, {}
