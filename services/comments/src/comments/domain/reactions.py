"""Readers reacting to published comments (likes, reports) and authors deleting their own."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from comments.adapters.events import emit
from comments.adapters.reads import VISIBLE_ARTICLE
from comments.adapters.tables import articles, comments, likes, reports
from comments.context import CommentsContext
from comments.domain.errors import CommentNotFoundError, NotAuthorError
from comments.domain.model import UNKNOWN_CLIENT, Viewer
from common.db import transaction
from common.events.comments import CommentDeleted, CommentLiked, CommentReported

c = comments.c


async def _locked(session: AsyncSession, comment_id: int) -> Any:
    query = (
        select(
            c.id,
            c.status,
            c.article_id,
            c.section_id,
            c.user_id,
            c.client_id,
            c.like_count,
            articles.c.status.label("article_status"),
        )
        .outerjoin(articles, articles.c.article_id == c.article_id)
        .where(c.id == comment_id)
        .with_for_update(of=comments)
    )
    return (await session.execute(query)).first()


async def _published(session: AsyncSession, comment_id: int) -> Any:
    row = await _locked(session, comment_id)
    if row is None or row.status != "approved" or row.article_status not in VISIBLE_ARTICLE:
        raise CommentNotFoundError(f"no published comment {comment_id}")
    return row


async def like_comment(
    *, ctx: CommentsContext, viewer: Viewer, comment_id: int
) -> tuple[int, bool]:
    """Like a published comment once per user or client; returns (like count, was duplicate)."""
    async with transaction(ctx.sessions) as session:
        row = await _published(session, comment_id)
        added = await session.scalar(
            insert(likes)
            .values(comment_id=comment_id, liker=viewer.reactor)
            .on_conflict_do_nothing()
            .returning(likes.c.comment_id)
        )
        if added is None:
            return int(row.like_count), True
        count = await session.scalar(
            comments.update()
            .where(c.id == comment_id)
            .values(like_count=c.like_count + 1)
            .returning(c.like_count)
        )
        event = CommentLiked(
            comment_id=comment_id,
            article_id=row.article_id,
            section_id=row.section_id,
            user_id=viewer.user_id,
            visitor=None if viewer.user_id else viewer.client_id,
        )
        await emit(session, event, article_id=row.article_id)
    return int(count or 0), False


async def report_comment(
    *, ctx: CommentsContext, viewer: Viewer, comment_id: int, reason: str, note: str
) -> bool:
    """Report a published comment once per user or client; returns whether it was a repeat."""
    async with transaction(ctx.sessions) as session:
        row = await _published(session, comment_id)
        added = await session.scalar(
            insert(reports)
            .values(comment_id=comment_id, reporter=viewer.reactor, reason=reason, note=note)
            .on_conflict_do_nothing()
            .returning(reports.c.id)
        )
        if added is None:
            return True
        await session.execute(
            comments.update()
            .where(c.id == comment_id)
            .values(report_count=c.report_count + 1, last_reported_at=func.now())
        )
        event = CommentReported(
            comment_id=comment_id,
            article_id=row.article_id,
            section_id=row.section_id,
            reason=reason,
        )
        await emit(session, event, article_id=row.article_id)
    return False


def _is_author(row: Any, viewer: Viewer) -> bool:
    if viewer.user_id is not None:
        return bool(row.user_id == viewer.user_id)
    return (
        row.user_id is None
        and viewer.client_id not in ("", UNKNOWN_CLIENT)
        and (row.client_id == viewer.client_id)
    )


def _deletion(comment_id: int, viewer: Viewer, actor_name: str, *, reason: str) -> Any:
    return (
        comments.update()
        .where(c.id == comment_id)
        .values(
            status="deleted",
            decided_at=func.now(),
            decided_by=viewer.user_id,
            decided_by_name=actor_name,
            decision_reason=reason,
            claimed_by=None,
            claimed_by_name=None,
            claim_expires_at=None,
        )
    )


async def delete_comment(
    *, ctx: CommentsContext, viewer: Viewer, actor_name: str, comment_id: int
) -> str:
    """Delete a comment (its author or a moderator); returns the new status."""
    async with transaction(ctx.sessions) as session:
        row = await _locked(session, comment_id)
        if row is None:
            raise CommentNotFoundError(f"no comment {comment_id}")
        if not (viewer.moderator or _is_author(row, viewer)):
            if row.status != "approved":
                raise CommentNotFoundError(f"no comment {comment_id}")
            raise NotAuthorError("only the author or a moderator may delete a comment")
        if row.status == "deleted":
            return "deleted"
        by = "moderator" if viewer.moderator and not _is_author(row, viewer) else "author"
        await session.execute(_deletion(comment_id, viewer, actor_name, reason=f"deleted by {by}"))
        event = CommentDeleted(
            comment_id=comment_id,
            article_id=row.article_id,
            section_id=row.section_id,
            was_visible=row.status == "approved",
        )
        await emit(session, event, article_id=row.article_id)
    return "deleted"
