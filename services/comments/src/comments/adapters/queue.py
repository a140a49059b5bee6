"""Queries of the moderation desk: the queue, claims, and the rows decisions lock."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from comments.adapters.tables import articles, comments

c = comments.c


@dataclass(frozen=True, slots=True)
class QueueFilter:
    """Which part of the queue a moderator looks at."""

    status: str = "pending"  # pending | reported
    section_id: int | None = None
    article_id: int | None = None
    reason: str | None = None
    min_age_seconds: float | None = None
    ids: tuple[int, ...] | None = None


def _age() -> Any:
    return func.extract("epoch", func.now() - c.created_at).label("age_seconds")


ITEM_COLUMNS: tuple[Any, ...] = (
    c.id,
    c.article_id,
    c.section_id,
    c.section_path,
    c.parent_id,
    c.author_name,
    c.is_anonymous,
    c.user_id,
    c.client_id,
    c.contact,
    c.body,
    c.status,
    c.reasons,
    c.phases,
    c.created_at,
    c.published_at,
    c.like_count,
    c.report_count,
    c.claimed_by,
    c.claimed_by_name,
    c.claim_expires_at,
    articles.c.title.label("article_title"),
    articles.c.status.label("article_status"),
)


def _where(query: Any, f: QueueFilter) -> Any:
    if f.status == "reported":
        query = query.where(c.status == "approved", c.report_count > 0)
    else:
        query = query.where(c.status == "pending")
    if f.section_id is not None:
        query = query.where(c.section_path.contains([f.section_id]))
    if f.article_id is not None:
        query = query.where(c.article_id == f.article_id)
    if f.reason:
        query = query.where(c.reasons.contains([f.reason]))
    if f.min_age_seconds:
        query = query.where(
            c.created_at <= func.now() - func.make_interval(0, 0, 0, 0, 0, 0, f.min_age_seconds)
        )
    if f.ids is not None:
        query = query.where(c.id.in_(f.ids))
    return query


def _order(f: QueueFilter) -> tuple[Any, ...]:
    if f.status == "reported":
        return (c.last_reported_at, c.id)
    return (c.created_at, c.id)


async def queue_items(session: AsyncSession, f: QueueFilter, *, limit: int) -> Sequence[Any]:
    """Queue entries oldest first, with their article and age."""
    query = select(*ITEM_COLUMNS, _age()).outerjoin(articles, articles.c.article_id == c.article_id)
    return (await session.execute(_where(query, f).order_by(*_order(f)).limit(limit))).all()


async def queue_summary(session: AsyncSession, f: QueueFilter) -> tuple[int, float | None]:
    """How many entries match and the oldest one's age in seconds."""
    query = _where(
        select(func.count(), func.extract("epoch", func.now() - func.min(c.created_at))), f
    )
    total, oldest = (await session.execute(query)).one()
    return int(total), None if oldest is None else float(oldest)


def claimable(moderator_id: int) -> Any:
    """Free, expired, or already the moderator's own."""
    return or_(
        c.claimed_by.is_(None), c.claim_expires_at < func.now(), c.claimed_by == moderator_id
    )


async def claim_rows(
    session: AsyncSession,
    f: QueueFilter,
    *,
    moderator_id: int,
    moderator_name: str,
    count: int,
    ttl_seconds: int,
) -> list[int]:
    """Atomically claim up to ``count`` queue entries; locked ones are skipped, never shared."""
    candidates = (
        _where(select(c.id), f)
        .where(claimable(moderator_id))
        .order_by(*_order(f))
        .limit(count)
        .with_for_update(skip_locked=True)
    )
    result = await session.execute(
        comments.update()
        .where(c.id.in_(candidates.scalar_subquery()))
        .values(
            claimed_by=moderator_id,
            claimed_by_name=moderator_name,
            claim_expires_at=func.now() + func.make_interval(0, 0, 0, 0, 0, 0, ttl_seconds),
        )
        .returning(c.id)
    )
    return sorted(int(i) for i in result.scalars())


async def release_rows(session: AsyncSession, *, ids: list[int], moderator_id: int) -> list[int]:
    """Give up the moderator's claims on ``ids``."""
    result = await session.execute(
        comments.update()
        .where(c.id.in_(ids), c.claimed_by == moderator_id)
        .values(claimed_by=None, claimed_by_name=None, claim_expires_at=None)
        .returning(c.id)
    )
    return sorted(int(i) for i in result.scalars())


async def lock_for_decision(session: AsyncSession, ids: list[int]) -> dict[int, Any]:
    """The rows to decide, locked in id order (no deadlock between bulk deciders)."""
    query = (
        select(
            c.id,
            c.status,
            c.report_count,
            c.article_id,
            c.section_id,
            c.user_id,
            c.parent_id,
            c.claimed_by,
            and_(c.claimed_by.isnot(None), c.claim_expires_at > func.now()).label("claim_live"),
        )
        .where(c.id.in_(ids))
        .order_by(c.id)
        .with_for_update()
    )
    return {int(r.id): r for r in (await session.execute(query)).all()}


async def desk_stats(session: AsyncSession) -> dict[str, Any]:
    """Queue size and age, live claims and reported comments, for the ops page."""
    pending_query = select(
        func.count(),
        func.extract("epoch", func.now() - func.min(c.created_at)),
        func.count().filter(c.claim_expires_at > func.now()),
    ).where(c.status == "pending")
    pending, oldest, claimed = (await session.execute(pending_query)).one()
    reported = await session.scalar(
        select(func.count()).where(c.status == "approved", c.report_count > 0)
    )
    return {
        "pending": int(pending),
        "oldest_age_seconds": None if oldest is None else float(oldest),
        "claimed": int(claimed),
        "reported": int(reported or 0),
    }
