"""Reader paths: threads, counts, latest, one's own. Unapproved text reaches only its author."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from comments.adapters import reads
from comments.context import CommentsContext
from comments.domain.errors import CommentNotFoundError, NoIdentityError
from comments.domain.model import UNKNOWN_CLIENT, Viewer
from common.db import reading


@dataclass(slots=True)
class CommentView:
    """A comment as readers see it."""

    id: int
    article_id: int
    parent_id: int | None
    author_name: str
    anonymous: bool
    user_id: int | None
    body: str
    status: str
    reasons: list[str]
    created_at: datetime
    published_at: datetime | None
    like_count: int
    replies: list[CommentView] = field(default_factory=list)
    article_title: str = ""
    section_id: int | None = None

    @classmethod
    def from_row(cls, row: Any) -> CommentView:
        """Build from a row selected with :data:`reads.COLUMNS`."""
        m = row._mapping
        return cls(
            id=m["id"],
            article_id=m["article_id"],
            parent_id=m["parent_id"],
            author_name=m["author_name"],
            anonymous=m["is_anonymous"],
            user_id=m["user_id"],
            body=m["body"],
            status=m["status"],
            reasons=list(m["reasons"]),
            created_at=m["created_at"],
            published_at=m["published_at"],
            like_count=m["like_count"],
            article_title=m.get("title", ""),
            section_id=m.get("section_id"),
        )


@dataclass(frozen=True, slots=True)
class ThreadPage:
    """One page of an article's threads."""

    article_id: int
    items: list[CommentView]
    next_cursor: str | None
    total: int


def _nest(roots: list[CommentView], replies: list[CommentView]) -> None:
    """Attach replies under their parents; a reply whose parent is hidden stays hidden."""
    nodes = {r.id: r for r in roots}
    for reply in replies:  # ids ascend, so a parent is placed before its replies
        parent = nodes.get(reply.parent_id or 0)
        if parent is not None:
            parent.replies.append(reply)
            nodes[reply.id] = reply


async def article_threads(
    *, ctx: CommentsContext, article_id: int, before_id: int | None, limit: int
) -> ThreadPage:
    """Approved comments of an article, threaded, paged by top-level comment."""
    async with reading(ctx.engine) as conn:  # head and rows may see two snapshots
        visible, total = await reads.thread_head(conn, article_id)
        if not visible:
            return ThreadPage(article_id=article_id, items=[], next_cursor=None, total=0)
        rows, replies = await reads.thread_rows(
            conn, article_id=article_id, before_id=before_id, limit=limit + 1
        )
    roots = [CommentView.from_row(r) for r in rows[:limit]]
    _nest(roots, [CommentView.from_row(r) for r in replies])
    more = len(rows) > limit
    return ThreadPage(
        article_id=article_id,
        items=roots,
        next_cursor=str(roots[-1].id) if more and roots else None,
        total=total,
    )


async def comment_counts(*, ctx: CommentsContext, article_ids: list[int]) -> dict[int, int]:
    """Approved comments per article (0 for unknown or hidden articles)."""
    async with reading(ctx.engine) as conn:
        found = await reads.approved_counts(conn, article_ids)
    return {a: found.get(a, 0) for a in article_ids}


async def latest_comments(
    *, ctx: CommentsContext, limit: int, section_id: int | None
) -> list[CommentView]:
    """The newest approved comments site-wide or in a section subtree."""
    async with reading(ctx.engine) as conn:
        rows = await reads.latest_approved(conn, limit=limit, section_id=section_id)
    return [CommentView.from_row(r) for r in rows]


async def my_comments(
    *, ctx: CommentsContext, viewer: Viewer, article_id: int | None, limit: int
) -> list[CommentView]:
    """The viewer's own comments, pending and rejected included."""
    if viewer.user_id is None and viewer.client_id == UNKNOWN_CLIENT:
        raise NoIdentityError("log in or send a client id to list your comments")
    async with ctx.sessions() as session:
        rows = await reads.own_comments(session, viewer=viewer, article_id=article_id, limit=limit)
    return [CommentView.from_row(r) for r in rows]


async def one_comment(*, ctx: CommentsContext, viewer: Viewer, comment_id: int) -> CommentView:
    """A comment: approved ones for all; others for their author and moderators only."""
    async with ctx.sessions() as session:
        row = await reads.one_comment(session, comment_id)
    if row is None or not _may_see(row, viewer):
        raise CommentNotFoundError(f"no comment {comment_id}")
    return CommentView.from_row(row)


def _may_see(row: Any, viewer: Viewer) -> bool:
    if row.status == "approved" and row.article_status in reads.VISIBLE_ARTICLE:
        return True
    if viewer.moderator:
        return True
    if viewer.user_id is not None:
        return bool(row.user_id == viewer.user_id)
    return bool(
        row.user_id is None
        and viewer.client_id != UNKNOWN_CLIENT
        and row.client_id == viewer.client_id
    )
