"""Queries behind the reader paths; every public one filters on approved and visible."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    CompoundSelect,
    Integer,
    Select,
    String,
    and_,
    any_,
    bindparam,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from comments.adapters.tables import articles, comments
from comments.domain.model import Viewer
from common.db import Query

VISIBLE_ARTICLE = ("published", "archived")
c = comments.c
COLUMNS: tuple[Any, ...] = (
    c.id,
    c.article_id,
    c.parent_id,
    c.author_name,
    c.is_anonymous,
    c.user_id,
    c.body,
    c.status,
    c.reasons,
    c.created_at,
    c.published_at,
    c.like_count,
)
# one array parameter, not IN (...): a list expands per call, which a Query cannot take
_VISIBLE = any_(bindparam("visible_statuses", list(VISIBLE_ARTICLE), type_=ARRAY(String)))
_visible_article = and_(articles.c.article_id == c.article_id, articles.c.status == _VISIBLE)


def _thread_head() -> Select[Any]:
    approved = (
        select(func.count())
        .where(c.article_id == bindparam("article_id"), c.status == "approved")
        .scalar_subquery()
    )
    return select(articles.c.status == _VISIBLE, approved).where(
        articles.c.article_id == bindparam("article_id")
    )


def _thread_rows(*, after_cursor: bool) -> CompoundSelect[Any]:
    roots = select(*COLUMNS).where(
        c.article_id == bindparam("article_id"), c.status == "approved", c.parent_id.is_(None)
    )
    if after_cursor:
        roots = roots.where(c.id < bindparam("before_id"))
    page = roots.order_by(c.id.desc()).limit(bindparam("limit", type_=Integer)).cte("page")
    replies = select(*COLUMNS).where(
        c.root_id.in_(select(page.c.id)), c.status == "approved", c.parent_id.is_not(None)
    )
    return select(page).union_all(replies)


def _approved_counts() -> Select[Any]:
    return (
        select(c.article_id, func.count())
        .join(articles, _visible_article)
        .where(
            c.article_id == any_(bindparam("article_ids", type_=ARRAY(BigInteger))),
            c.status == "approved",
        )
        .group_by(c.article_id)
    )


def _latest_approved(*, in_section: bool) -> Select[Any]:
    query = (
        select(*COLUMNS, articles.c.title, articles.c.section_id)
        .join(articles, _visible_article)
        .where(c.status == "approved")
    )
    if in_section:
        query = query.where(
            articles.c.section_path.contains(bindparam("section_path", type_=ARRAY(Integer)))
        )
    return query.order_by(c.published_at.desc()).limit(bindparam("limit", type_=Integer))


# The public reads are the busiest statements: each is compiled once and run on the
# driver (common.db.Query), so a request neither builds nor compiles a statement.
THREAD_HEAD = Query(_thread_head())
THREAD_ROWS = {
    False: Query(_thread_rows(after_cursor=False)),
    True: Query(_thread_rows(after_cursor=True)),
}
APPROVED_COUNTS = Query(_approved_counts())
LATEST_APPROVED = {
    False: Query(_latest_approved(in_section=False)),
    True: Query(_latest_approved(in_section=True)),
}


async def thread_head(conn: AsyncConnection, article_id: int) -> tuple[bool, int]:
    """Whether readers may see the article's comments, and how many are approved."""
    row = await THREAD_HEAD.first(conn, {"article_id": article_id})
    return (bool(row[0]), int(row[1])) if row is not None else (False, 0)


async def thread_rows(
    conn: AsyncConnection, *, article_id: int, before_id: int | None, limit: int
) -> tuple[Sequence[Any], Sequence[Any]]:
    """Approved top-level comments (newest first, below ``before_id``) and their approved
    replies (oldest first, so parents come before children), in one statement."""
    params = {"article_id": article_id, "before_id": before_id, "limit": limit}
    rows = await THREAD_ROWS[before_id is not None].rows(conn, params)
    # by column name: a driver row's attribute costs about 15 times as much (common.db.Row)
    top = sorted((r for r in rows if r["parent_id"] is None), key=lambda r: -r["id"])
    return top, sorted((r for r in rows if r["parent_id"] is not None), key=lambda r: r["id"])


async def approved_counts(conn: AsyncConnection, article_ids: list[int]) -> dict[int, int]:
    """Approved comments per visible article."""
    rows = await APPROVED_COUNTS.rows(conn, {"article_ids": article_ids})
    return {int(a): int(n) for a, n in rows}


async def latest_approved(
    conn: AsyncConnection, *, limit: int, section_id: int | None
) -> Sequence[Any]:
    """Newest approved comments on visible articles, optionally within a section subtree."""
    params = {"limit": limit, "section_path": [section_id]}
    return await LATEST_APPROVED[section_id is not None].rows(conn, params)


def owned_by(viewer: Viewer) -> Any:
    """The condition selecting the viewer's own comments."""
    if viewer.user_id is not None:
        return c.user_id == viewer.user_id
    return and_(c.user_id.is_(None), c.client_id == viewer.client_id)


async def own_comments(
    session: AsyncSession, *, viewer: Viewer, article_id: int | None, limit: int
) -> Sequence[Any]:
    """The viewer's comments in every status, newest first."""
    query = select(*COLUMNS).where(owned_by(viewer))
    if article_id is not None:
        query = query.where(c.article_id == article_id)
    return (await session.execute(query.order_by(c.id.desc()).limit(limit))).all()


async def one_comment(session: AsyncSession, comment_id: int) -> Any:
    """A comment with what visibility depends on (owner, article status)."""
    query = (
        select(*COLUMNS, c.client_id, articles.c.status.label("article_status"))
        .outerjoin(articles, articles.c.article_id == c.article_id)
        .where(c.id == comment_id)
    )
    return (await session.execute(query)).first()
