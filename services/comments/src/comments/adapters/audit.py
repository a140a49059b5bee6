"""The append-only audit log: writing moderator actions, reading it back."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from comments.adapters.tables import audit
from common.auth import Principal


async def record(
    session: AsyncSession,
    *,
    actor: Principal,
    action: str,
    reason: str = "",
    subject: str | None = None,
    comment_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one entry in the caller's transaction (comment status changes audit themselves)."""
    await session.execute(
        audit.insert().values(
            actor_id=actor.user_id,
            actor_name=actor.username,
            action=action,
            reason=reason,
            subject=subject,
            comment_id=comment_id,
            detail=detail or {},
        )
    )


async def entries(
    session: AsyncSession,
    *,
    comment_id: int | None,
    actor_id: int | None,
    action: str | None,
    before_id: int | None,
    limit: int,
) -> Sequence[Row[Any]]:
    """Entries newest first, optionally filtered, below ``before_id``."""
    a = audit.c
    query = select(audit)
    if comment_id is not None:
        query = query.where(a.comment_id == comment_id)
    if actor_id is not None:
        query = query.where(a.actor_id == actor_id)
    if action:
        query = query.where(a.action == action)
    if before_id is not None:
        query = query.where(a.id < before_id)
    return (await session.execute(query.order_by(a.id.desc()).limit(limit))).all()
