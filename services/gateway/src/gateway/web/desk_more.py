# ruff: noqa: RUF001 - Chinese UI text uses full-width punctuation on purpose
"""The moderation desk, continued: bans and the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response

from common.ranges import RowId
from gateway.context import GatewayDep
from gateway.web import desk_live
from gateway.web.desk import Csrf, _back
from gateway.web.guard import refuse, staff_call
from gateway.web.render import Page, plain_page
from gateway.web.session import SessionDep, check_form

router = APIRouter(prefix="/moderation", tags=["desk"], include_in_schema=False)
router.include_router(desk_live.router)
_BAN_REFUSED = "封禁未添加：封禁用户须填写数字用户编号，禁言须设定时长，并填写原因"


@router.get("/bans")
async def bans(request: Request, gw: GatewayDep, session: SessionDep) -> Response:
    """Active bans and suspensions, with a form to add one."""
    if (refused := refuse(request, gw, session, "moderator")) is not None:
        return refused
    _, found = await staff_call(
        request,
        gw,
        session,
        "comments",
        "GET",
        "/api/v1/moderation/bans",
        params=[("active", "true")],
    )
    context = {
        "tab": "bans",
        "bans": found.get("items", []),
        "flash": request.query_params.get("flash", ""),
    }
    return plain_page(Page("desk_bans.html", context), session, secure=gw.settings.cookie_secure)


@router.post("/bans")
async def add_ban(
    request: Request,
    gw: GatewayDep,
    session: SessionDep,
    subject_type: Annotated[str, Form(pattern="^(user|client)$")],
    subject: Annotated[str, Form(min_length=1, max_length=100)],
    kind: Annotated[str, Form(pattern="^(ban|suspend)$")] = "suspend",
    hours: Annotated[int, Form(ge=0, le=24 * 365)] = 24,
    reason: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Csrf = None,
) -> Response:
    """Ban or suspend a user or client (0 hours: until lifted)."""
    if (refused := refuse(request, gw, session, "moderator")) is not None:
        return refused
    check_form(request, session, csrf_token, gw.settings.csrf_secret)
    payload = {
        "subject_type": subject_type,
        "subject": subject.strip(),
        "kind": kind,
        "duration_seconds": hours * 3600 or None,
        "reason": reason.strip() or "审核台封禁",
    }
    status, _ = await staff_call(
        request, gw, session, "comments", "POST", "/api/v1/moderation/bans", payload=payload
    )
    flash = "已添加封禁" if status < 300 else _BAN_REFUSED
    return _back(request, session, gw, "/moderation/bans", flash=flash)


@router.post("/bans/{ban_id}/lift")
async def lift_ban(
    ban_id: RowId, request: Request, gw: GatewayDep, session: SessionDep, csrf_token: Csrf = None
) -> Response:
    """Lift a ban."""
    if (refused := refuse(request, gw, session, "moderator")) is not None:
        return refused
    check_form(request, session, csrf_token, gw.settings.csrf_secret)
    status, _ = await staff_call(
        request, gw, session, "comments", "DELETE", f"/api/v1/moderation/bans/{ban_id}"
    )
    flash = "已解除封禁" if status < 300 else "解除失败：封禁不存在或已解除"
    return _back(request, session, gw, "/moderation/bans", flash=flash)


@router.get("/audit")
async def audit(
    request: Request,
    gw: GatewayDep,
    session: SessionDep,
    before_id: RowId | None = None,
) -> Response:
    """Every decision, newest first."""
    if (refused := refuse(request, gw, session, "moderator")) is not None:
        return refused
    params = [("limit", "100")] + ([("before_id", str(before_id))] if before_id else [])
    _, found = await staff_call(
        request, gw, session, "comments", "GET", "/api/v1/moderation/audit", params=params
    )
    context = {
        "tab": "audit",
        "items": found.get("items", []),
        "next_before_id": found.get("next_before_id"),
    }
    return plain_page(Page("desk_audit.html", context), session, secure=gw.settings.cookie_secure)
