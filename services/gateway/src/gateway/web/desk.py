# ruff: noqa: RUF001 - Chinese UI text uses full-width punctuation on purpose
"""The moderation desk (moderators only): queue, claim, bulk decisions, words, bans, audit."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse

from gateway.context import GatewayDep
from gateway.web.desk_queue import load_queue, read_filters, remember_filters
from gateway.web.desk_text import (
    BAN_CHOICES,
    REASONS,
    REJECT_REASONS,
    decision_message,
    wait_text,
)
from gateway.web.guard import refuse, staff_call
from gateway.web.render import Page, plain_page
from gateway.web.session import SessionDep, apply_session, check_form

router = APIRouter(prefix="/moderation", tags=["desk"], include_in_schema=False)
Csrf = Annotated[str | None, Form(max_length=100)]
Text = Annotated[str, Form(max_length=200_000)]
WORD_LISTS = ("banned", "suspect", "allow")
_WORDS_REFUSED = "词库未修改：每个词须含文字或数字，且不超过 50 字"


def _back(request: Request, session: Any, gw: Any, target: str, **flash: str) -> Response:
    sep = "&" if "?" in target else "?"
    url = target + (sep + urlencode(flash) if flash else "")
    return apply_session(RedirectResponse(url, 303), session, secure=gw.settings.cookie_secure)


def wants_json(request: Request) -> bool:
    """The desk's script asks for JSON; a plain form post gets a redirect."""
    return "application/json" in request.headers.get("accept", "")


def reply(
    request: Request, session: Any, gw: Any, message: str, *, ok: bool = True, **extra: Any
) -> Response:
    """JSON for the desk's script, else back to the queue (its filters are remembered)."""
    if wants_json(request):
        body = {"ok": ok, "message": message, **extra}
        response: Response = JSONResponse(body, status_code=200 if ok else 422)
        return apply_session(response, session, secure=gw.settings.cookie_secure)
    return _back(request, session, gw, "/moderation", flash=message)


@router.get("")
async def desk(request: Request, gw: GatewayDep, session: SessionDep) -> Response:
    """The queue as cards, oldest first, with filters that persist; keyboard-driven."""
    if (refused := refuse(request, gw, session, "moderator")) is not None:
        return refused
    filters = read_filters(request)
    view = await load_queue(request, gw, session, filters)
    context = {
        "tab": "reported" if filters.values.get("status") == "reported" else "queue",
        "view": view,
        "filters": filters.values,
        "filter_query": filters.query,
        "reasons": REASONS,
        "reject_reasons": REJECT_REASONS,
        "ban_choices": BAN_CHOICES,
        "oldest_text": wait_text(view.oldest),
        "errors": [*filters.problems, *([view.error] if view.error else [])],
        "flash": request.query_params.get("flash", "")[:200],
    }
    response = plain_page(Page("desk.html", context), session, secure=gw.settings.cookie_secure)
    remember_filters(response, filters, secure=gw.settings.cookie_secure)
    return response


def _ids(raw: list[str]) -> list[int] | None:
    ids = [int(i) for i in raw if i.isdigit() and len(i) < 19]
    return ids if len(ids) == len(raw) and 0 < len(ids) <= 200 else None


@router.post("/claim")
async def claim(
    request: Request,
    gw: GatewayDep,
    session: SessionDep,
    csrf_token: Csrf = None,
    count: Annotated[str, Form(max_length=10)] = "20",
    comment_ids: Annotated[list[str] | None, Form(max_length=200)] = None,
) -> Response:
    """Claim the oldest entries the current filters show (or the given ones)."""
    if (refused := refuse(request, gw, session, "moderator")) is not None:
        return refused
    check_form(request, session, csrf_token, gw.settings.csrf_secret)
    payload: dict[str, Any]
    if comment_ids:
        if (ids := _ids(comment_ids)) is None:
            return reply(request, session, gw, "评论编号无效", ok=False)
        payload = {"comment_ids": ids}
    elif count.strip().isdigit() and 1 <= int(count) <= 200:
        payload = {"count": int(count), **read_filters(request).claim_payload()}
    else:
        return reply(request, session, gw, "认领数量须为 1 到 200 之间的整数", ok=False)
    status, found = await staff_call(
        request, gw, session, "comments", "POST", "/api/v1/moderation/claims", payload=payload
    )
    if status != 200:
        return reply(request, session, gw, "认领失败，请稍后再试", ok=False)
    claimed = [int(i["id"]) for i in found.get("claimed", [])]
    unavailable = [int(i) for i in found.get("unavailable", [])]
    message = f"已认领 {len(claimed)} 条（按当前筛选）" if "count" in payload else "已认领"
    if unavailable:
        message = f"已认领 {len(claimed)} 条，{len(unavailable)} 条已被其他审核员认领"
    return reply(request, session, gw, message, claimed=claimed, unavailable=unavailable)


@router.post("/decisions")
async def decide(
    request: Request,
    gw: GatewayDep,
    session: SessionDep,
    decision: Annotated[str, Form(max_length=20)] = "",
    comment_ids: Annotated[list[str] | None, Form(max_length=200)] = None,
    reason: Annotated[str, Form(max_length=400)] = "",
    csrf_token: Csrf = None,
) -> Response:
    """Approve or reject one or many comments (a reason is needed to reject)."""
    if (refused := refuse(request, gw, session, "moderator")) is not None:
        return refused
    check_form(request, session, csrf_token, gw.settings.csrf_secret)
    ids = _ids(comment_ids or [])
    problem = _decision_problem(decision, ids, reason)
    if problem or ids is None:
        return reply(request, session, gw, problem or "请先选择评论", ok=False)
    reason = reason.strip()[:200]
    decisions = [{"comment_id": i, "decision": decision, "reason": reason} for i in ids]
    status, found = await staff_call(
        request, gw, session, "comments", "POST", "/api/v1/moderation/decisions",
        payload={"decisions": decisions},
    )  # fmt: skip
    if status != 200:
        return reply(request, session, gw, "操作失败，请稍后再试", ok=False)
    results = found.get("results", [])
    return reply(request, session, gw, decision_message(decision, results), results=results)


def _decision_problem(decision: str, ids: list[int] | None, reason: str) -> str | None:
    if decision not in ("approve", "reject"):
        return "未知的操作"
    if ids is None:
        return "请先选择评论"
    if decision == "reject" and not reason.strip():
        return "驳回需要填写原因"
    return None


@router.get("/words")
async def words(
    request: Request,
    gw: GatewayDep,
    session: SessionDep,
    list_: Annotated[str, Query(alias="list", pattern="^(banned|suspect|allow)$")] = "banned",
) -> Response:
    """One word list, with forms to add and remove words."""
    if (refused := refuse(request, gw, session, "moderator")) is not None:
        return refused
    _, found = await staff_call(
        request,
        gw,
        session,
        "comments",
        "GET",
        "/api/v1/moderation/words",
        params=[("list", list_)],
    )
    context = {
        "tab": "words",
        "list": list_,
        "lists": WORD_LISTS,
        "words": found,
        "flash": request.query_params.get("flash", ""),
    }
    return plain_page(Page("desk_words.html", context), session, secure=gw.settings.cookie_secure)


@router.post("/words")
async def edit_words(
    request: Request,
    gw: GatewayDep,
    session: SessionDep,
    list_: Annotated[str, Form(alias="list", pattern="^(banned|suspect|allow)$")],
    action: Annotated[str, Form(pattern="^(add|remove)$")],
    words: Text,
    csrf_token: Csrf = None,
) -> Response:
    """Add or remove words (one per line)."""
    if (refused := refuse(request, gw, session, "moderator")) is not None:
        return refused
    check_form(request, session, csrf_token, gw.settings.csrf_secret)
    items = [w.strip() for w in words.splitlines() if w.strip()]
    if action == "add":
        status, _ = await staff_call(
            request,
            gw,
            session,
            "comments",
            "POST",
            "/api/v1/moderation/words",
            params=[("list", list_)],
            payload={"words": items},
        )
    else:
        status, _ = await staff_call(
            request,
            gw,
            session,
            "comments",
            "DELETE",
            "/api/v1/moderation/words",
            params=[("list", list_)] + [("word", w) for w in items],
        )
    verb = "添加" if action == "add" else "删除"
    flash = f"已{verb} {len(items)} 个词" if status < 300 else _WORDS_REFUSED
    return _back(request, session, gw, f"/moderation/words?list={list_}", flash=flash)
