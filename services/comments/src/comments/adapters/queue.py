"""Queries of the moderation desk: the queue, claims, and the rows decisions lock."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Float,
    Integer,
    String,
    and_,
    any_,
    bindparam,
    func,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from comments.adapters.tables import articles, comments
from common.db import Query

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

    def shape(self) -> QueueShape:
        """Which conditions apply: statements are built once per shape."""
        return QueueShape(
            reported=self.status == "reported",
            section=self.section_id is not None,
            article=self.article_id is not None,
            reason=bool(self.reason),
            min_age=bool(self.min_age_seconds),
            ids=self.ids is not None,
        )

    def params(self) -> dict[str, Any]:
        """The values bound into a statement of this filter's shape (named apart from
        the columns, which an UPDATE reserves)."""
        return {
            "q_section_path": [self.section_id],
            "q_article_id": self.article_id,
            "q_reasons": [self.reason],
            "q_min_age": self.min_age_seconds,
            "q_ids": list(self.ids or ()),
        }


@dataclass(frozen=True, slots=True)
class QueueShape:
    """The conditions of a queue filter, without their values."""

    reported: bool
    section: bool
    article: bool
    reason: bool
    min_age: bool
    ids: bool


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


def _where(query: Any, shape: QueueShape) -> Any:
    if shape.reported:
        query = query.where(c.status == "approved", c.report_count > 0)
    else:
        query = query.where(c.status == "pending")
    if shape.section:
        query = query.where(
            c.section_path.contains(bindparam("q_section_path", type_=ARRAY(Integer)))
        )
    if shape.article:
        query = query.where(c.article_id == bindparam("q_article_id"))
    if shape.reason:
        query = query.where(c.reasons.contains(bindparam("q_reasons", type_=ARRAY(String(64)))))
    if shape.min_age:
        age = func.make_interval(0, 0, 0, 0, 0, 0, bindparam("q_min_age", type_=Float))
        query = query.where(c.created_at <= func.now() - age)
    if shape.ids:
        query = query.where(c.id == any_(bindparam("q_ids", type_=ARRAY(BigInteger))))
    return query


def _order(shape: QueueShape) -> tuple[Any, ...]:
    if shape.reported:
        return (c.last_reported_at, c.id)
    return (c.created_at, c.id)


# the desk reads the queue all day: its statements are compiled once per filter shape (at
# most 64), with the values bound, and run on the driver (common.db.Query)
@cache
def _items(shape: QueueShape) -> Query:
    query = select(*ITEM_COLUMNS, _age()).outerjoin(articles, articles.c.article_id == c.article_id)
    limit = bindparam("limit", type_=Integer)
    return Query(_where(query, shape).order_by(*_order(shape)).limit(limit))


@cache
def _summary(shape: QueueShape) -> Query:
    query = select(func.count(), func.extract("epoch", func.now() - func.min(c.created_at)))
    return Query(_where(query, shape))


async def queue_items(conn: AsyncConnection, f: QueueFilter, *, limit: int) -> Sequence[Any]:
    """Queue entries oldest first, with their article and age (on a reading connection)."""
    return await _items(f.shape()).rows(conn, f.params() | {"limit": limit})


async def queue_summary(conn: AsyncConnection, f: QueueFilter) -> tuple[int, float | None]:
    """How many entries match and the oldest one's age in seconds."""
    total, oldest = await _summary(f.shape()).one(conn, f.params())
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
    shape = f.shape()
    candidates = (
        _where(select(c.id), shape)
        .where(claimable(moderator_id))
        .order_by(*_order(shape))
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
        .returning(c.id),
        f.params(),
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
