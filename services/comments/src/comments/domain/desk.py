"""The moderation desk: the queue, claims and decisions (one or many at once)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession

from comments.adapters import queue
from comments.adapters.audit import record
from comments.adapters.authors import AuthorRecord, author_key, author_records
from comments.adapters.events import emit
from comments.adapters.queue import QueueFilter
from comments.adapters.signals import words_version_key
from comments.adapters.tables import comments
from comments.context import CommentsContext
from comments.decision_metrics import count_desk_decisions
from comments.domain.marks import Mark, link_marks, merged, word_marks
from comments.domain.normalise import match_view
from common.auth import Principal
from common.db import reading, transaction
from common.errors import InvalidInputError
from common.events.comments import CommentApproved, CommentRejected

Decision = Literal["approve", "reject"]
DecisionOutcome = Literal["applied", "claimed_by_other", "not_found", "unchanged"]
_TARGET: dict[Decision, str] = {"approve": "approved", "reject": "rejected"}


@dataclass(frozen=True, slots=True)
class DecisionRequest:
    """One moderator decision."""

    comment_id: int
    decision: Decision
    reason: str


@dataclass(frozen=True, slots=True)
class DecisionResult:
    """What became of one decision."""

    comment_id: int
    outcome: DecisionOutcome
    status: str | None


@dataclass(frozen=True, slots=True)
class QueuePage:
    """Queue entries (rows with their age) and the size of the whole filtered queue."""

    items: list[Any]
    total: int
    oldest_age_seconds: float | None
    records: dict[int, AuthorRecord]  # by comment id
    marks: dict[int, list[Mark]]


async def moderation_queue(*, ctx: CommentsContext, filters: QueueFilter, limit: int) -> QueuePage:
    """The filtered queue, oldest first, with each author's record and the text's marks."""
    async with reading(ctx.engine) as conn:  # each statement its own snapshot, as before
        rows = await queue.queue_items(conn, filters, limit=limit)
        total, oldest = await queue.queue_summary(conn, filters)
        by_author = await author_records(conn, rows)
    records = {int(r.id): by_author[author_key(r)] for r in rows}
    return QueuePage(list(rows), total, oldest, records, await _marks(ctx, rows))


async def _marks(ctx: CommentsContext, rows: Any) -> dict[int, list[Mark]]:
    """Listed words and links of each comment, so a moderator sees what the pipeline saw."""
    announced = await ctx.redis.get(words_version_key(ctx.settings.redis_prefix))
    matcher = await ctx.words.current(int(announced) if announced is not None else None)
    found: dict[int, list[Mark]] = {}
    for row in rows:
        hits = matcher.find(match_view(row.body))
        words = word_marks(row.body, banned=hits.banned, suspect=hits.suspect)
        found[int(row.id)] = merged(words + link_marks(row.body))
    return found


async def claim_comments(
    *,
    ctx: CommentsContext,
    moderator: Principal,
    filters: QueueFilter,
    count: int,
    ttl_seconds: int,
) -> tuple[list[Any], list[int]]:
    """Claim queue entries for a moderator; returns (claimed rows, requested ids not claimed)."""
    ttl = min(ttl_seconds, ctx.settings.claim_max_ttl_seconds)
    async with transaction(ctx.sessions) as session:
        claimed = await queue.claim_rows(
            session,
            filters,
            moderator_id=moderator.user_id,
            moderator_name=moderator.username,
            count=count,
            ttl_seconds=ttl,
        )
    async with reading(ctx.engine) as conn:
        rows = await queue.queue_items(
            conn, QueueFilter(ids=tuple(claimed)), limit=len(claimed) or 1
        )
    mine = set(claimed)
    unavailable = sorted(set(filters.ids or ()) - mine)
    return [r for r in rows if r["id"] in mine], unavailable


async def release_claims(
    *, ctx: CommentsContext, moderator: Principal, ids: list[int]
) -> list[int]:
    """Give up claims the moderator holds."""
    async with transaction(ctx.sessions) as session:
        return await queue.release_rows(session, ids=ids, moderator_id=moderator.user_id)


async def decide(
    *, ctx: CommentsContext, moderator: Principal, decisions: list[DecisionRequest]
) -> list[DecisionResult]:
    """Apply decisions in one transaction; each is allowed unless someone else holds a claim."""
    ids = [d.comment_id for d in decisions]
    if len(set(ids)) != len(ids):
        raise InvalidInputError("each comment may appear once per call")
    async with transaction(ctx.sessions) as session:
        rows = await queue.lock_for_decision(session, ids)
        results = [await _apply(session, moderator, d, rows.get(d.comment_id)) for d in decisions]
    applied = (r.status for r in results if r.outcome == "applied" and r.status is not None)
    count_desk_decisions(moderator.username, applied)
    return results


async def _apply(
    session: AsyncSession, moderator: Principal, d: DecisionRequest, row: Any
) -> DecisionResult:
    if row is None or row.status == "deleted":
        return DecisionResult(d.comment_id, "not_found", None)
    if row.claim_live and row.claimed_by != moderator.user_id:
        return DecisionResult(d.comment_id, "claimed_by_other", row.status)
    target = _TARGET[d.decision]
    if row.status == target:
        return await _confirm(session, moderator, d, row)
    await session.execute(_decision(moderator, d, target))
    await emit(session, _event(moderator, d, row), article_id=row.article_id)
    return DecisionResult(d.comment_id, "applied", target)


async def _confirm(
    session: AsyncSession, moderator: Principal, d: DecisionRequest, row: Any
) -> DecisionResult:
    """A decision the comment already has; approving a reported comment dismisses its reports."""
    await session.execute(_release(d.comment_id, moderator))
    if row.status != "approved" or not row.report_count:
        return DecisionResult(d.comment_id, "unchanged", row.status)
    c = comments.c
    await session.execute(comments.update().where(c.id == d.comment_id).values(report_count=0))
    await record(
        session,
        actor=moderator,
        action="reports.dismissed",
        comment_id=d.comment_id,
        reason=d.reason,
        detail={"reports": row.report_count},
    )
    return DecisionResult(d.comment_id, "applied", "approved")


def _decision(moderator: Principal, d: DecisionRequest, target: str) -> Any:
    c = comments.c
    published: Any = c.published_at
    if target == "approved":
        published = func.coalesce(c.published_at, func.now())  # first publication time stays
    return (
        comments.update()
        .where(c.id == d.comment_id)
        .values(
            status=target,
            decided_at=func.now(),
            decided_by=moderator.user_id,
            decided_by_name=moderator.username,
            decision_reason=d.reason,
            published_at=published,
            claimed_by=None,
            claimed_by_name=None,
            claim_expires_at=None,
        )
    )


def _release(comment_id: int, moderator: Principal) -> Any:
    c = comments.c
    return (
        comments.update()
        .where(c.id == comment_id, c.claimed_by == moderator.user_id)
        .values(claimed_by=None, claimed_by_name=None, claim_expires_at=None)
    )


def _event(moderator: Principal, d: DecisionRequest, row: Any) -> CommentApproved | CommentRejected:
    base: dict[str, Any] = {
        "comment_id": d.comment_id,
        "article_id": row.article_id,
        "section_id": row.section_id,
        "moderator_id": moderator.user_id,
    }
    if d.decision == "approve":
        return CommentApproved(**base, user_id=row.user_id, parent_id=row.parent_id)
    return CommentRejected(**base, reason=d.reason, was_visible=row.status == "approved")


async def desk_stats(*, ctx: CommentsContext) -> dict[str, Any]:
    """Queue size and age for the ops page."""
    async with ctx.sessions() as session:
        return await queue.desk_stats(session)
