"""The editors' view: list, create, edit, schedule and publish articles (editors only)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from common.ranges import ArticleId, SectionId
from gateway.context import GatewayDep
from gateway.web.guard import refuse, staff_call
from gateway.web.render import Page, plain_page, section_tree
from gateway.web.session import SessionDep, apply_session, check_form
from gateway.web.templates import BEIJING

router = APIRouter(prefix="/editor", tags=["editor"], include_in_schema=False)
Csrf = Annotated[str | None, Form(max_length=100)]
Short = Annotated[str, Form(max_length=500)]
ACTIONS = ("publish", "unpublish", "archive")


def _flat(nodes: list[dict[str, Any]], depth: int = 0) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for node in nodes:
        out.append({"id": node.get("id"), "name": "　" * depth + str(node.get("name"))})
        out += _flat(node.get("children") or [], depth + 1)
    return out


async def _form_page(
    request: Request,
    gw: Any,
    session: Any,
    article: dict[str, Any],
    error: str | None = None,
    status: int = 200,
) -> Response:
    sections = _flat(await section_tree(gw, _caller_token(request, session)))
    context = {
        "article": article,
        "sections_flat": sections,
        "error": error,
        "flash": request.query_params.get("flash", ""),
    }
    page = Page("editor_form.html", context, status=status)
    return plain_page(page, session, secure=gw.settings.cookie_secure)


def _caller_token(request: Request, session: Any) -> Any:
    from gateway.web.pages import web_caller

    return web_caller(request, session)


@router.get("")
async def editor_home(request: Request, gw: GatewayDep, session: SessionDep) -> Response:
    """Articles of every status, most recently changed first."""
    if (refused := refuse(request, gw, session, "editor")) is not None:
        return refused
    status_filter = request.query_params.get("status", "")
    params = [("limit", "50")] + ([("status", status_filter)] if status_filter else [])
    _, listing = await staff_call(
        request, gw, session, "articles", "GET", "/api/v1/editor/articles", params=params
    )
    context = {
        "items": listing.get("items", []),
        "status": status_filter,
        "flash": request.query_params.get("flash", ""),
    }
    return plain_page(Page("editor.html", context), session, secure=gw.settings.cookie_secure)


@router.get("/new")
async def new_article(request: Request, gw: GatewayDep, session: SessionDep) -> Response:
    """An empty article form."""
    if (refused := refuse(request, gw, session, "editor")) is not None:
        return refused
    return await _form_page(request, gw, session, {})


@router.get("/{article_id}")
async def edit_article(
    article_id: ArticleId, request: Request, gw: GatewayDep, session: SessionDep
) -> Response:
    """The article form, filled in, with its workflow buttons."""
    if (refused := refuse(request, gw, session, "editor")) is not None:
        return refused
    status, article = await staff_call(
        request, gw, session, "articles", "GET", f"/api/v1/editor/articles/{article_id}"
    )
    if status != 200:
        return plain_page(
            Page("error.html", {"title": "文章不存在", "detail": ""}, status=404),
            session,
            secure=gw.settings.cookie_secure,
        )
    return await _form_page(request, gw, session, article)


@router.post("/save")
async def save_article(
    request: Request,
    gw: GatewayDep,
    session: SessionDep,
    section_id: Annotated[SectionId, Form()],
    title: Short,
    body_html: Annotated[str, Form(max_length=200_000)],
    article_id: Annotated[ArticleId | None, Form()] = None,
    subtitle: Short = "",
    summary: Short = "",
    source: Short = "",
    author: Short = "",
    tags: Short = "",
    cover_image_url: Short = "",
    csrf_token: Csrf = None,
) -> Response:
    """Create a draft, or save changes to an existing article."""
    if (refused := refuse(request, gw, session, "editor")) is not None:
        return refused
    check_form(request, session, csrf_token, gw.settings.csrf_secret)
    fields = {
        "section_id": section_id,
        "title": title,
        "subtitle": subtitle,
        "summary": summary,
        "body_html": body_html,
        "source": source,
        "author": author,
        "tags": [t.strip() for t in tags.replace("，", ",").split(",") if t.strip()],  # noqa: RUF001 - Chinese comma separates tags too
        "cover_image_url": cover_image_url,
    }
    if article_id is None:
        status, answer = await staff_call(
            request, gw, session, "articles", "POST", "/api/v1/articles", payload=fields
        )
    else:
        status, answer = await staff_call(
            request,
            gw,
            session,
            "articles",
            "PATCH",
            f"/api/v1/articles/{article_id}",
            payload=fields,
        )
    if status >= 300:
        return await _form_page(
            request,
            gw,
            session,
            {**fields, "id": article_id},
            error=str(answer.get("detail")),
            status=status,
        )
    target = f"/editor/{answer.get('id')}?flash=saved"
    return apply_session(RedirectResponse(target, 303), session, secure=gw.settings.cookie_secure)


@router.post("/{article_id}/workflow")
async def workflow(
    article_id: ArticleId,
    request: Request,
    gw: GatewayDep,
    session: SessionDep,
    action: Annotated[str, Form(pattern="^(publish|unpublish|archive|schedule)$")],
    publish_at: Annotated[str, Form(max_length=40)] = "",
    csrf_token: Csrf = None,
) -> Response:
    """Publish now, schedule (Beijing time), unpublish or archive."""
    if (refused := refuse(request, gw, session, "editor")) is not None:
        return refused
    check_form(request, session, csrf_token, gw.settings.csrf_secret)
    payload = None
    if action == "schedule":
        try:
            moment = datetime.fromisoformat(publish_at).replace(tzinfo=BEIJING)
        except ValueError:
            moment = None
        payload = {"publish_at": moment.isoformat() if moment else publish_at}
    status, answer = await staff_call(
        request,
        gw,
        session,
        "articles",
        "POST",
        f"/api/v1/articles/{article_id}/{action}",
        payload=payload,
    )
    flash = action if status < 300 else str(answer.get("detail"))
    target = f"/editor/{article_id}?flash={flash}"
    return apply_session(RedirectResponse(target, 303), session, secure=gw.settings.cookie_secure)
