"""Banning or suspending a user or client for a time; lifting it. Every change is audited."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from comments.adapters.audit import record
from comments.adapters.tables import bans
from comments.context import CommentsContext
from common.auth import Principal
from common.db import transaction
from common.errors import InvalidInputError, NotFoundError

SubjectType = Literal["user", "client"]
BanKind = Literal["ban", "suspend"]
b = bans.c


def _active() -> Any:
    return (b.lifted_at.is_(None)) & or_(b.until.is_(None), b.until > func.now())


def _ends(until: datetime | None, duration_seconds: int | None, kind: BanKind) -> datetime | None:
    if until is not None and duration_seconds is not None:
        raise InvalidInputError("give until or duration_seconds, not both")
    if duration_seconds is not None:
        until = datetime.now(UTC) + timedelta(seconds=duration_seconds)
    if until is not None and until <= datetime.now(UTC):
        raise InvalidInputError("the end of a ban must lie in the future")
    if kind == "suspend" and until is None:
        raise InvalidInputError("a suspension needs an end (until or duration_seconds)")
    return until


async def create_ban(
    *,
    ctx: CommentsContext,
    actor: Principal,
    subject_type: SubjectType,
    subject: str,
    kind: BanKind,
    until: datetime | None,
    duration_seconds: int | None,
    reason: str,
) -> Any:
    """Ban or suspend a user id or client id, until a time or until lifted."""
    if subject_type == "user" and not subject.isdigit():
        raise InvalidInputError("a user ban names a numeric user id")
    ends = _ends(until, duration_seconds, kind)
    values = {
        "subject_type": subject_type,
        "subject": subject,
        "kind": kind,
        "until": ends,
        "reason": reason,
        "created_by": actor.user_id,
    }
    async with transaction(ctx.sessions) as session:
        insert = bans.insert().values(**values).returning(*bans.c, _active().label("active"))
        row = (await session.execute(insert)).one()
        detail = {"ban_id": row.id, "kind": kind, "until": ends.isoformat() if ends else None}
        subject_name = f"{subject_type}:{subject}"
        await record(
            session,
            actor=actor,
            action="ban.create",
            reason=reason,
            subject=subject_name,
            detail=detail,
        )
    return row


async def list_bans(
    *, ctx: CommentsContext, active: bool | None, subject_type: str | None, subject: str | None
) -> Sequence[Any]:
    """Bans newest first, optionally only active ones or one subject's."""
    query = select(*bans.c, _active().label("active"))
    if active is not None:
        query = query.where(_active() if active else ~_active())
    if subject_type:
        query = query.where(b.subject_type == subject_type)
    if subject:
        query = query.where(b.subject == subject)
    async with ctx.sessions() as session:
        return (await session.execute(query.order_by(b.id.desc()).limit(500))).all()


async def lift_ban(*, ctx: CommentsContext, actor: Principal, ban_id: int) -> Any:
    """End a ban now."""
    async with transaction(ctx.sessions) as session:
        row = await _lift(session, actor, ban_id)
        await record(
            session,
            actor=actor,
            action="ban.lift",
            subject=f"{row.subject_type}:{row.subject}",
            detail={"ban_id": ban_id},
        )
    return row


async def _lift(session: AsyncSession, actor: Principal, ban_id: int) -> Any:
    row = (
        await session.execute(
            bans.update()
            .where(b.id == ban_id)
            .values(lifted_at=func.coalesce(b.lifted_at, func.now()), lifted_by=actor.user_id)
            .returning(*bans.c, _active().label("active"))
        )
    ).first()
    if row is None:
        raise NotFoundError(f"no ban {ban_id}")
    return row
