"""An article's revisions: who saved each and when, a diff against the current text, restore."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from common.ranges import INT4_MAX, ArticleId, Revision
from gateway.context import Gateway, GatewayDep
from gateway.web.editor_common import (
    editor_article,
    editor_page,
    flatten,
    load_sections,
    problem_page,
    upstream_problem,
)
from gateway.web.editor_diff import compare
from gateway.web.editor_text import STATUSES, flash_text
from gateway.web.guard import refuse, staff_call
from gateway.web.session import SessionDep, apply_session, check_form

router = APIRouter()
RESTORED = re.compile(r"^restored revision (\d+)$")


def note_text(note: str) -> str:
    """What a revision's note means, in Chinese."""
    if note == "created":
        return "新建"
    if (match := RESTORED.match(note)) is not None:
        return f"恢复自版本 {match.group(1)}"
    return "修改"


async def _names(gw: Gateway, user_ids: set[int]) -> dict[int, str]:
    names = {}
    for user_id in user_ids:
        user = await gw.users.by_id(user_id)
        if user is not None:
            names[user_id] = user.username
    return names


@router.get("/{article_id}/revisions")
async def revisions_page(
    article_id: ArticleId, request: Request, gw: GatewayDep, session: SessionDep
) -> Response:
    """Every kept revision, newest first, and one of them (``?rev=``; by default the one
    before the current text) compared with the current text."""
    if (refused := refuse(request, gw, session, "editor")) is not None:
        return refused
    raw = request.query_params.get("rev", "")
    chosen_number = None
    if raw:
        if not raw.isascii() or not raw.isdigit() or len(raw) > 10 or not 1 <= int(raw) <= INT4_MAX:
            return problem_page(gw, session, 422, "版本号有误", "版本号应为正整数。")
        chosen_number = int(raw)
    status, article = await editor_article(request, gw, session, article_id)
    if status != 200:
        title = "文章不存在" if status == 404 else "修订记录暂时无法显示"
        return upstream_problem(gw, session, status, article, title)
    status, listing = await staff_call(
        request, gw, session, "articles", "GET", f"/api/v1/articles/{article_id}/revisions"
    )
    if status != 200:
        return upstream_problem(gw, session, status, listing, "修订记录暂时无法显示")
    kept: list[dict[str, Any]] = listing.get("items", [])
    current = int(article.get("revision") or 0)
    if chosen_number is None:
        older = [r for r in kept if r.get("revision") != current]
        chosen = older[0] if older else (kept[0] if kept else None)
    else:
        chosen = next((r for r in kept if r.get("revision") == chosen_number), None)
        if chosen is None:
            detail = f"这篇文章没有版本 {chosen_number}。"
            return problem_page(gw, session, 404, "版本不存在", detail)
    who = await _names(gw, {r["created_by"] for r in kept if isinstance(r.get("created_by"), int)})
    nodes, _ = await load_sections(request, gw, session)
    section_names = {e.id: e.path for e in flatten(nodes)}
    rows = [
        {
            **r,
            "note_text": note_text(str(r.get("note") or "")),
            "who": who.get(r.get("created_by"), "未知") if r.get("created_by") else "系统",  # type: ignore[arg-type]
            "is_current": r.get("revision") == current,
        }
        for r in kept
    ]
    diffs = compare(chosen, article, section_names) if chosen is not None else []
    context = {
        "article": article,
        "status_label": STATUSES.get(str(article.get("status")), ""),
        "revisions": rows,
        "chosen": chosen,
        "current": current,
        "diffs": diffs,
        "changed": [d for d in diffs if d.changed],
        "sections": nodes,
        "flash": flash_text(request.query_params.get("flash", "")),
    }
    return editor_page(gw, session, "editor_revisions.html", context)


@router.post("/{article_id}/revisions/{revision}/restore")
async def restore_revision(
    article_id: ArticleId,
    revision: Revision,
    request: Request,
    gw: GatewayDep,
    session: SessionDep,
    csrf_token: Annotated[str | None, Form(max_length=100)] = None,
) -> Response:
    """Make a kept revision the current text again (the articles service keeps it as a new
    revision)."""
    if (refused := refuse(request, gw, session, "editor")) is not None:
        return refused
    check_form(request, session, csrf_token, gw.settings.csrf_secret)
    _, before = await editor_article(request, gw, session, article_id)
    status, answer = await staff_call(
        request,
        gw,
        session,
        "articles",
        "POST",
        f"/api/v1/articles/{article_id}/revisions/{revision}/restore",
    )
    if status >= 300:
        return upstream_problem(gw, session, status, answer, "没有恢复")
    # restoring a text equal to the current one adds no revision: say so rather than "restored"
    same = isinstance(before, dict) and before.get("revision") == answer.get("revision")
    flash = f"same-{revision}" if same else f"restored-{revision}"
    target = f"/editor/{article_id}/revisions?flash={flash}"
    return apply_session(RedirectResponse(target, 303), session, secure=gw.settings.cookie_secure)
