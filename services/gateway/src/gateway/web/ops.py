"""Operators' pages (admin only): live stats, and the user list with role grants."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any
from urllib.parse import quote

from aiokafka.errors import KafkaError
from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse

from common.errors import DomainError, InvalidInputError
from common.events import ARTICLES_TOPIC, COMMENTS_TOPIC, VIEWS_TOPIC
from common.kafka import dead_letter_backlog, replay
from common.ranges import UserId
from gateway.context import Gateway, GatewayDep
from gateway.domain.errors import UpstreamUnavailableError
from gateway.web.guard import refuse, staff_call
from gateway.web.ops_metrics import ops_display, prometheus_view
from gateway.web.render import Page, plain_page
from gateway.web.session import SessionDep, WebSession, apply_session, check_form

router = APIRouter(tags=["ops"], include_in_schema=False)
DEAD_LETTER_TOPICS = (ARTICLES_TOPIC, COMMENTS_TOPIC, VIEWS_TOPIC)


async def _safe(work: Any) -> Any:
    try:
        return await asyncio.wait_for(work, 2.0)
    except (TimeoutError, DomainError):
        return None


async def _dead_letters(gw: Gateway) -> list[Any] | None:
    """Each dead-letter topic's backlog, read from Kafka (None when the broker is away)."""
    try:
        return await asyncio.wait_for(
            asyncio.gather(
                *(dead_letter_backlog(settings=gw.settings, topic=t) for t in DEAD_LETTER_TOPICS)
            ),
            5.0,
        )
    except (TimeoutError, KafkaError):
        return None


async def ops_data(request: Request, gw: Gateway, session: WebSession) -> dict[str, Any]:
    """Traffic and lag from analytics, queue age from comments, breakers from here."""
    overview, moderation, history = await asyncio.gather(
        _safe(
            staff_call(
                request,
                gw,
                session,
                "analytics",
                "GET",
                "/api/v1/stats/overview",
                params=[("minutes", "30")],
            )
        ),
        _safe(staff_call(request, gw, session, "comments", "GET", "/api/v1/moderation/stats")),
        prometheus_view(gw.settings.prometheus_url),
    )
    data = {
        "overview": overview[1] if overview and overview[0] == 200 else None,
        "moderation": moderation[1] if moderation and moderation[0] == 200 else None,
        "upstreams": {n: {"circuit_open": u.breaker.is_open} for n, u in gw.upstreams.items()},
        "views_pending": gw.reads.unacknowledged,
        "prometheus": history,
    }
    data["display"] = ops_display(data)
    return data


@router.get("/ops")
async def ops(request: Request, gw: GatewayDep, session: SessionDep) -> Response:
    """The ops dashboard; a small script refreshes it every few seconds."""
    if (refused := refuse(request, gw, session, "admin")) is not None:
        return refused
    data, dead_letters = await asyncio.gather(ops_data(request, gw, session), _dead_letters(gw))
    context = {
        "d": data,
        "dead_letters": dead_letters,
        "flash": request.query_params.get("flash"),
    }
    return plain_page(Page("ops.html", context), session, secure=gw.settings.cookie_secure)


@router.post("/ops/dead-letters/replay")
async def replay_dead_letters(
    request: Request,
    gw: GatewayDep,
    session: SessionDep,
    topic: Annotated[str, Form(max_length=100)],
    csrf_token: Annotated[str | None, Form(max_length=100)] = None,
) -> Response:
    """Send a topic's parked messages back to it, each once (consumers drop duplicates)."""
    if (refused := refuse(request, gw, session, "admin")) is not None:
        return refused
    check_form(request, session, csrf_token, gw.settings.csrf_secret)
    if topic not in DEAD_LETTER_TOPICS:
        raise InvalidInputError(f"no dead-letter topic for {topic!r}")
    try:
        count = await replay(settings=gw.settings, topic=topic)
    except KafkaError as exc:
        raise UpstreamUnavailableError("Kafka is unreachable: nothing was replayed") from exc
    target = f"/ops?flash={quote(f'{topic} 已重放 {count} 条死信')}"
    return apply_session(RedirectResponse(target, 303), session, secure=gw.settings.cookie_secure)


@router.get("/ops/data.json")
async def ops_json(request: Request, gw: GatewayDep, session: SessionDep) -> Response:
    """The dashboard's numbers for the polling script."""
    if (refused := refuse(request, gw, session, "admin")) is not None:
        return refused
    response = JSONResponse(
        await ops_data(request, gw, session), headers={"Cache-Control": "private, no-store"}
    )
    return apply_session(response, session, secure=gw.settings.cookie_secure)


@router.get("/admin/users")
async def users(request: Request, gw: GatewayDep, session: SessionDep) -> Response:
    """Every account with its roles."""
    if (refused := refuse(request, gw, session, "admin")) is not None:
        return refused
    context = {"users": await gw.users.list_users(), "flash": request.query_params.get("flash")}
    return plain_page(Page("admin_users.html", context), session, secure=gw.settings.cookie_secure)


@router.post("/admin/users/{user_id}/roles")
async def set_roles(
    user_id: UserId,
    request: Request,
    gw: GatewayDep,
    session: SessionDep,
    roles: Annotated[list[str], Form(max_length=4)] = [],  # noqa: B006 - FastAPI copies defaults
    csrf_token: Annotated[str | None, Form(max_length=100)] = None,
) -> Response:
    """Set roles (the user's earlier tokens are refused at once)."""
    if (refused := refuse(request, gw, session, "admin")) is not None:
        return refused
    check_form(request, session, csrf_token, gw.settings.csrf_secret)
    user = await gw.sessions.change_roles(user_id=user_id, roles=roles)
    target = f"/admin/users?flash={user.username}: {','.join(user.roles)}"
    return apply_session(RedirectResponse(target, 303), session, secure=gw.settings.cookie_secure)
