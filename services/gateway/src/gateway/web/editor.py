# ruff: noqa: RUF001 - Chinese UI text uses full-width punctuation on purpose
"""The editors' view: list, create, edit, schedule and publish articles (editors only).

Revisions live in ``editor_revisions``, section management in ``editor_sections``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from common.ranges import INT4_MAX, ArticleId, SectionId
from gateway.context import Gateway, GatewayDep
from gateway.web import editor_revisions, editor_sections
from gateway.web.editor_common import (
    editor_article,
    editor_page,
    flatten,
    load_sections,
    problem_page,
    refusal_status,
    upstream_problem,
)
from gateway.web.editor_text import STATUSES, explain, flash_text
from gateway.web.guard import refuse, staff_call
from gateway.web.session import SessionDep, WebSession, apply_session, check_form
from gateway.web.templates import BEIJING

router = APIRouter(prefix="/editor", tags=["editor"], include_in_schema=False)
# before "/{article_id}": "/sections" is not an article
router.include_router(editor_sections.router)
router.include_router(editor_revisions.router)
Csrf = Annotated[str | None, Form(max_length=100)]
Short = Annotated[str, Form(max_length=500)]
PAGE_SIZE = 20
MAX_PAGE = 1000


async def _form_page(
    request: Request,
    gw: Gateway,
    session: WebSession,
    article: dict[str, Any],
    error: str | None = None,
    status: int = 200,
) -> Response:
    nodes, _ = await load_sections(request, gw, session)
    context = {
        "article": article,
        "sections_flat": flatten(nodes),
        "sections": nodes,
        "status_label": STATUSES.get(str(article.get("status") or ""), ""),
        "error": error,
        "flash": flash_text(request.query_params.get("flash", "")),
    }
    return editor_page(gw, session, "editor_form.html", context, status=status)


def whole_number(raw: str | None, *, high: int) -> int | None:
    """A whole number in 1..high from a query value; 0 when absent, None when invalid."""
    if raw is None or raw == "":
        return 0
    if not raw.isascii() or not raw.isdigit() or len(raw) > 10:
        return None
    value = int(raw)
    return value if 1 <= value <= high else None


def list_url(status: str = "", section: int = 0, page: int = 1) -> str:
    """The list's address with its filters."""
    query = [("status", status)] if status else []
    query += [("section", str(section))] if section else []
    query += [("page", str(page))] if page > 1 else []
    return "/editor" + (f"?{urlencode(query)}" if query else "")


def page_links(page: int, last: int) -> list[int]:
    """Page numbers to link: first, last and two either side of ``page``; 0 is a gap."""
    wanted = sorted({1, last, *range(max(1, page - 2), min(last, page + 2) + 1)})
    out: list[int] = []
    for number in wanted:
        if out and number > out[-1] + 1:
            out.append(0)
        out.append(number)
    return out


@router.get("")
async def editor_home(request: Request, gw: GatewayDep, session: SessionDep) -> Response:
    """Articles of every status, most recently changed first, 20 a page, filtered by status
    and section (with its subsections)."""
    if (refused := refuse(request, gw, session, "editor")) is not None:
        return refused
    query = request.query_params
    page = whole_number(query.get("page"), high=MAX_PAGE)
    if page is None:
        return problem_page(gw, session, 422, "页码有误", "页码应为 1 到 1000 之间的整数。")
    page = page or 1
    status_filter = query.get("status", "")
    if status_filter and status_filter not in STATUSES:
        choices = "、".join(STATUSES.values())
        return problem_page(
            gw,
            session,
            422,
            "筛选条件有误",
            f"没有这种文章状态，可选：{choices}。",
        )
    section = whole_number(query.get("section"), high=INT4_MAX)
    if section is None:
        return problem_page(gw, session, 422, "筛选条件有误", "栏目编号不正确。")
    nodes, sections_known = await load_sections(request, gw, session)
    entries = flatten(nodes)
    names = {e.id: e.path for e in entries}
    if section and sections_known and section not in names:
        return problem_page(gw, session, 404, "栏目不存在", "要筛选的栏目不存在，可能已被删除。")
    params = [("limit", str(PAGE_SIZE)), ("page", str(page))]
    params += [("status", status_filter)] if status_filter else []
    params += [("section", str(section))] if section else []
    status, listing = await staff_call(
        request, gw, session, "articles", "GET", "/api/v1/editor/articles", params=params
    )
    if status != 200:
        return upstream_problem(gw, session, status, listing, "文章列表暂时无法显示")
    total = int(listing.get("total") or 0)
    last = max(1, -(-total // PAGE_SIZE))
    if page > last:
        detail = f"共 {total} 篇文章，最后一页是第 {last} 页。"
        return problem_page(gw, session, 404, "没有这一页", detail)
    items = [
        {
            **item,
            "status_label": STATUSES.get(str(item.get("status")), str(item.get("status"))),
            "section_name": names.get(item.get("section_id"), f"栏目 {item.get('section_id')}"),
        }
        for item in listing.get("items", [])
    ]
    context = {
        "items": items,
        "status": status_filter,
        "statuses": STATUSES,
        "section": section,
        "section_name": names.get(section, ""),
        "sections_flat": entries,
        "sections": nodes,
        "page": page,
        "last": last,
        "total": total,
        "links": [(n, list_url(status_filter, section, n)) for n in page_links(page, last)],
        "prev_url": list_url(status_filter, section, page - 1) if page > 1 else "",
        "next_url": list_url(status_filter, section, page + 1) if page < last else "",
        "tab_urls": [
            (s, label, list_url(s, section)) for s, label in [("", "全部"), *STATUSES.items()]
        ],
        "flash": flash_text(query.get("flash", "")),
    }
    return editor_page(gw, session, "editor.html", context)


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
    status, article = await editor_article(request, gw, session, article_id)
    if status != 200:
        title = "文章不存在" if status == 404 else "文章暂时无法打开"
        return upstream_problem(gw, session, status, article, title)
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
    current_status: Annotated[str, Form(max_length=20)] = "",
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
        "tags": [t.strip() for t in tags.replace("，", ",").split(",") if t.strip()],
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
        kept = {**fields, "id": article_id}
        if current_status in STATUSES:
            kept["status"] = current_status
        return await _form_page(
            request,
            gw,
            session,
            kept,
            error=explain(status, answer),
            status=refusal_status(status),
        )
    flash = "created" if article_id is None else "saved"
    target = f"/editor/{answer.get('id')}?flash={flash}"
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
    if status >= 300:
        found, article = await editor_article(request, gw, session, article_id)
        if found != 200:
            return upstream_problem(gw, session, status, answer, "操作没有完成")
        return await _form_page(
            request,
            gw,
            session,
            article,
            error=explain(status, answer),
            status=refusal_status(status),
        )
    target = f"/editor/{article_id}?flash={action}"
    return apply_session(RedirectResponse(target, 303), session, secure=gw.settings.cookie_secure)
