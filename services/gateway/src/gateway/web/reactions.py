"""Form posts on an article: comment, favourite, recommend (forwarded to the owning service)."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from gateway.context import GatewayDep
from gateway.fetch import call
from gateway.web.pages import web_caller
from gateway.web.render import Page, render
from gateway.web.session import SessionDep, WebSession, apply_session, check_form

router = APIRouter(tags=["forms"], include_in_schema=False)
Csrf = Annotated[str | None, Form(max_length=100)]


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def _json(body: bytes) -> dict[str, Any]:
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


@router.post("/articles/{article_id}/comments")
async def post_comment(
    article_id: int,
    request: Request,
    gw: GatewayDep,
    session: SessionDep,
    body: Annotated[str, Form(max_length=4000)],
    nickname: Annotated[str, Form(max_length=40)] = "",
    parent_id: Annotated[str, Form(max_length=20)] = "",
    csrf_token: Csrf = None,
) -> Response:
    """Submit a comment; it shows after review (the page says so)."""
    check_form(request, session, csrf_token, gw.settings.csrf_secret)
    payload: dict[str, Any] = {"body": body}
    if session.anonymous:
        payload["nickname"] = nickname.strip() or "网友"
    if parent_id.isdigit():
        payload["parent_id"] = int(parent_id)
    response = await call(
        gw,
        "comments",
        "POST",
        f"/api/v1/articles/{article_id}/comments",
        caller=web_caller(request, session),
        body=orjson.dumps(payload),
        content_type="application/json",
    )
    answer = _json(response.content)
    if _wants_json(request):
        out: Response = JSONResponse(answer, status_code=response.status_code)
    elif response.status_code < 300:
        status = str(answer.get("status", "pending"))
        out = RedirectResponse(f"/articles/{article_id}?comment={status}#comments", 303)
    else:
        out = _refused(article_id, response.status_code, answer)
    return apply_session(out, session, secure=gw.settings.cookie_secure)


def _refused(article_id: int, status: int, answer: dict[str, Any]) -> Response:
    page = Page(
        "refused.html",
        {"article_id": article_id, "detail": answer.get("detail", "")},
        status=status,
    )
    return HTMLResponse(render(page, WebSession()), status_code=status)


async def _reaction(
    article_id: int,
    kind: str,
    request: Request,
    gw: GatewayDep,
    session: SessionDep,
    csrf_token: str | None,
) -> Response:
    check_form(request, session, csrf_token, gw.settings.csrf_secret)
    if kind == "favourite" and session.anonymous:
        target = f"/login?next=/articles/{article_id}"
        if _wants_json(request):
            return JSONResponse(
                {"error": "unauthorized", "detail": "请先登录", "login": target}, status_code=401
            )
        return RedirectResponse(target, 303)
    response = await call(
        gw,
        "articles",
        "POST",
        f"/api/v1/articles/{article_id}/{kind}",
        caller=web_caller(request, session),
    )
    out: Response
    if _wants_json(request):
        out = JSONResponse(_json(response.content), status_code=response.status_code)
    else:
        out = RedirectResponse(f"/articles/{article_id}", 303)
    return apply_session(out, session, secure=gw.settings.cookie_secure)


@router.post("/articles/{article_id}/favourite")
async def favourite(
    article_id: int, request: Request, gw: GatewayDep, session: SessionDep, csrf_token: Csrf = None
) -> Response:
    """Add the article to the user's favourites (logged-in readers)."""
    return await _reaction(article_id, "favourite", request, gw, session, csrf_token)


@router.post("/articles/{article_id}/recommend")
async def recommend(
    article_id: int, request: Request, gw: GatewayDep, session: SessionDep, csrf_token: Csrf = None
) -> Response:
    """Recommend the article (once per reader)."""
    return await _reaction(article_id, "recommend", request, gw, session, csrf_token)
