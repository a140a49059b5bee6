"""The moderation desk (moderators only): queue, claim, bulk decisions, words, bans, audit."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import RedirectResponse

from gateway.context import GatewayDep
from gateway.web.guard import refuse, staff_call
from gateway.web.render import Page, plain_page
from gateway.web.session import SessionDep, apply_session, check_form

router = APIRouter(prefix="/moderation", tags=["desk"], include_in_schema=False)
Csrf = Annotated[str | None, Form(max_length=100)]
Text = Annotated[str, Form(max_length=200_000)]
FILTERS = ("status", "section", "article", "reason", "min_age")
WORD_LISTS = ("banned", "suspect", "allow")


def _back(request: Request, session: Any, gw: Any, target: str, **flash: str) -> Response:
    sep = "&" if "?" in target else "?"
    url = target + (sep + urlencode(flash) if flash else "")
    return apply_session(RedirectResponse(url, 303), session, secure=gw.settings.cookie_secure)


@router.get("")
async def desk(request: Request, gw: GatewayDep, session: SessionDep) -> Response:
    """The queue, oldest first, with filters; claim and decide in bulk."""
    if (refused := refuse(request, gw, session, "moderator")) is not None:
        return refused
    filters = {k: v for k in FILTERS if (v := request.query_params.get(k, "").strip())}
    params = [*filters.items(), ("limit", "100")]
    status, queue = await staff_call(
        request, gw, session, "comments", "GET", "/api/v1/moderation/queue", params=params
    )
    _, stats = await staff_call(request, gw, session, "comments", "GET", "/api/v1/moderation/stats")
    context = {
        "tab": "queue",
        "queue": queue if status == 200 else {},
        "stats": stats,
        "filters": filters,
        "error": None if status == 200 else queue.get("detail"),
        "flash": request.query_params.get("flash", ""),
    }
    return plain_page(Page("desk.html", context), session, secure=gw.settings.cookie_secure)


@router.post("/claim")
async def claim(
    request: Request,
    gw: GatewayDep,
    session: SessionDep,
    csrf_token: Csrf = None,
    count: Annotated[int, Form(ge=1, le=200)] = 20,
) -> Response:
    """Claim the oldest unclaimed comments so no one else decides them meanwhile."""
    if (refused := refuse(request, gw, session, "moderator")) is not None:
        return refused
    check_form(request, session, csrf_token, gw.settings.csrf_secret)
    _, answer = await staff_call(
        request,
        gw,
        session,
        "comments",
        "POST",
        "/api/v1/moderation/claims",
        payload={"count": count},
    )
    return _back(
        request, session, gw, "/moderation", flash=f"claimed {len(answer.get('claimed', []))}"
    )


@router.post("/decisions")
async def decide(
    request: Request,
    gw: GatewayDep,
    session: SessionDep,
    decision: Annotated[str, Form(pattern="^(approve|reject)$")],
    comment_ids: Annotated[list[int], Form(max_length=200)],
    reason: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Csrf = None,
) -> Response:
    """Approve or reject the selected comments at once (a reason is needed to reject)."""
    if (refused := refuse(request, gw, session, "moderator")) is not None:
        return refused
    check_form(request, session, csrf_token, gw.settings.csrf_secret)
    decisions = [{"comment_id": i, "decision": decision, "reason": reason} for i in comment_ids]
    status, answer = await staff_call(
        request,
        gw,
        session,
        "comments",
        "POST",
        "/api/v1/moderation/decisions",
        payload={"decisions": decisions},
    )
    applied = sum(1 for r in answer.get("results", []) if r.get("outcome") == "applied")
    flash = (
        f"{decision}: {applied}/{len(decisions)}" if status == 200 else str(answer.get("detail"))
    )
    return _back(request, session, gw, "/moderation", flash=flash)


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
        status, answer = await staff_call(
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
        status, answer = await staff_call(
            request,
            gw,
            session,
            "comments",
            "DELETE",
            "/api/v1/moderation/words",
            params=[("list", list_)] + [("word", w) for w in items],
        )
    flash = f"{action}: {len(items)}" if status < 300 else str(answer.get("detail"))
    return _back(request, session, gw, f"/moderation/words?list={list_}", flash=flash)
