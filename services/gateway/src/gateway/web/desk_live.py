# ruff: noqa: RUF001 - Chinese UI text uses full-width punctuation on purpose
"""The desk while it is open: the queue feed its script polls, banning an author, skipping."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import JSONResponse

from gateway.context import GatewayDep
from gateway.web.desk import Csrf, reply
from gateway.web.desk_queue import load_queue, read_filters
from gateway.web.desk_text import BAN_CHOICES, REJECT_REASONS, wait_text
from gateway.web.guard import refuse, staff_call
from gateway.web.session import SessionDep, check_form
from gateway.web.templates import templates

# mounted under /moderation by desk_more's router
router = APIRouter(tags=["desk"], include_in_schema=False)


def card_html(card: dict[str, Any], csrf: str) -> str:
    """One card, rendered (and escaped) exactly as the page renders it."""
    context = {
        "c": card,
        "csrf": csrf,
        "reject_reasons": REJECT_REASONS,
        "ban_choices": BAN_CHOICES,
    }
    return templates.get_template("_desk_card.html").render(context)


@router.get("/feed")
async def feed(request: Request, gw: GatewayDep, session: SessionDep) -> Response:
    """The filtered queue now: totals, waits, and each card with its claim (polled by desk.js)."""
    if (refused := refuse(request, gw, session, "moderator")) is not None:
        return refused
    view = await load_queue(request, gw, session, read_filters(request))
    items = [
        {
            "id": c["id"],
            "claim": "mine" if c["claim_mine"] else ("other" if c["claim_name"] else None),
            "claim_name": c["claim_name"],
            "wait": c["wait"],
            "html": card_html(c, session.csrf),
        }
        for c in view.cards
    ]
    body = {
        "ok": view.error is None,
        "message": view.error or "",
        "total": view.total,
        "oldest_text": wait_text(view.oldest),
        "pending": view.stats.get("pending"),
        "items": items,
    }
    return JSONResponse(body, headers={"Cache-Control": "private, no-store"})


@router.post("/release")
async def release(
    request: Request,
    gw: GatewayDep,
    session: SessionDep,
    comment_ids: Annotated[list[str] | None, Form(max_length=200)] = None,
    csrf_token: Csrf = None,
) -> Response:
    """Skip: give the comments back to the queue for someone else."""
    if (refused := refuse(request, gw, session, "moderator")) is not None:
        return refused
    check_form(request, session, csrf_token, gw.settings.csrf_secret)
    ids = [int(i) for i in comment_ids or [] if i.isdigit() and len(i) < 19]
    if not ids:
        return reply(request, session, gw, "请先选择评论", ok=False)
    await staff_call(
        request, gw, session, "comments", "POST", "/api/v1/moderation/claims/release",
        payload={"comment_ids": ids},
    )  # fmt: skip
    return reply(request, session, gw, "已跳过，留给其他审核员")


async def _ban(
    request: Request, gw: Any, session: Any, subject_type: str, subject: str, hours: int
) -> int:
    payload: dict[str, Any] = {
        "subject_type": subject_type,
        "subject": subject,
        "kind": "suspend" if hours else "ban",
        "duration_seconds": hours * 3600 or None,
        "reason": "审核台封禁",
    }
    status, _ = await staff_call(
        request, gw, session, "comments", "POST", "/api/v1/moderation/bans", payload=payload
    )
    return status


@router.post("/ban-author")
async def ban_author(
    request: Request,
    gw: GatewayDep,
    session: SessionDep,
    comment_id: Annotated[str, Form(max_length=20)] = "",
    subject_type: Annotated[str, Form(max_length=10)] = "",
    subject: Annotated[str, Form(max_length=130)] = "",
    choice: Annotated[str, Form(max_length=2)] = "1",
    csrf_token: Csrf = None,
) -> Response:
    """Ban or suspend a comment's author and reject the comment, in one step."""
    if (refused := refuse(request, gw, session, "moderator")) is not None:
        return refused
    check_form(request, session, csrf_token, gw.settings.csrf_secret)
    picked = next((c for c in BAN_CHOICES if c[0] == choice), None)
    if picked is None or subject_type not in ("user", "client") or not subject.strip():
        return reply(request, session, gw, "封禁对象或时长无效", ok=False)
    if not comment_id.isdigit():
        return reply(request, session, gw, "评论编号无效", ok=False)
    if await _ban(request, gw, session, subject_type, subject.strip(), picked[1]) >= 300:
        return reply(request, session, gw, "封禁失败，请稍后再试", ok=False)
    decision = {"comment_id": int(comment_id), "decision": "reject", "reason": "作者已被封禁"}
    status, _ = await staff_call(
        request, gw, session, "comments", "POST", "/api/v1/moderation/decisions",
        payload={"decisions": [decision]},
    )  # fmt: skip
    message = f"已{picked[2]}该作者" + ("，并驳回此评论" if status == 200 else "；评论未能驳回")
    return reply(request, session, gw, message)
