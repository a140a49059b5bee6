"""What a submission needs from Postgres, in one query; and storing the comment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    not_,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from comments.adapters.tables import articles, bans, comments, section_settings
from comments.domain.model import UNKNOWN_CLIENT, ArticleState, Author, AuthorHistory, BanState

# rejections that say nothing about the author (the article was closed, not the comment bad)
NEUTRAL_REJECTIONS = (
    "article_missing",
    "article_unpublished",
    "article_archived",
    "article_deleted",
    "comments_closed",
)


@dataclass(frozen=True, slots=True)
class ParentState:
    """The comment a reply answers."""

    article_id: int
    status: str
    root_id: int
    depth: int


@dataclass(frozen=True, slots=True)
class SubmissionFacts:
    """The database's part of a submission's context."""

    article: ArticleState | None
    ban: BanState | None
    history: AuthorHistory | None
    parent: ParentState | None


def _owner(author: Author) -> ColumnElement[bool] | None:
    c = comments.c
    if author.user_id is not None:
        return c.user_id == author.user_id
    if author.client_id == UNKNOWN_CLIENT:
        return None  # nobody can be told apart: no history
    return and_(c.user_id.is_(None), c.client_id == author.client_id)


def _ban_column(author: Author, now: datetime) -> Any:
    b = bans.c
    subjects = [and_(b.subject_type == "client", b.subject == author.client_id)]
    if author.user_id is not None:
        subjects.append(and_(b.subject_type == "user", b.subject == str(author.user_id)))
    return (
        select(b.kind + ":" + b.subject_type)
        .where(or_(*subjects), b.lifted_at.is_(None), or_(b.until.is_(None), b.until > now))
        .order_by(case((b.kind == "ban", 0), else_=1))
        .limit(1)
        .scalar_subquery()
    )


def _history_columns(author: Author, since: datetime) -> list[Any]:
    owner = _owner(author)
    if owner is None:
        return [literal(None).label("approved"), literal(None).label("rejected"), literal(False)]
    c = comments.c
    neutral = cast(list(NEUTRAL_REJECTIONS), ARRAY(String(64)))
    recent = and_(owner, c.created_at > since)
    approved = select(func.count()).where(recent, c.status == "approved")
    rejected = select(func.count()).where(
        recent, c.status == "rejected", not_(c.reasons.overlap(neutral))
    )
    return [
        approved.scalar_subquery().label("approved"),
        rejected.scalar_subquery().label("rejected"),
        exists().where(owner, c.status == "approved").label("ever_approved"),
    ]


def _parent_columns(parent_id: int | None) -> list[Any]:
    if parent_id is None:
        return [literal(None).label(n) for n in ("p_article", "p_status", "p_root", "p_depth")]
    c = comments.c
    one = c.id == parent_id
    return [
        select(c.article_id).where(one).scalar_subquery().label("p_article"),
        select(c.status).where(one).scalar_subquery().label("p_status"),
        select(func.coalesce(c.root_id, c.id)).where(one).scalar_subquery().label("p_root"),
        select(c.depth).where(one).scalar_subquery().label("p_depth"),
    ]


def _article_columns() -> list[Any]:
    a, s = articles.c, section_settings.c
    newer = s.settings_at > a.settings_at  # NULL (no section row) picks the article's own
    resolved = [
        case((newer, s.comment_policy), else_=a.comment_policy).label("policy"),
        case((newer, s.comments_open), else_=a.comments_open).label("open"),
        case((newer, s.comment_max_length), else_=a.comment_max_length).label("max_length"),
    ]
    return [a.article_id, a.status, a.section_id, a.section_path, a.title, *resolved]


async def load_facts(
    session: AsyncSession,
    *,
    article_id: int,
    author: Author,
    parent_id: int | None,
    now: datetime,
    trust_window: timedelta,
) -> SubmissionFacts:
    """Article (settings resolved), ban, author history and parent, in one round trip."""
    one = select(literal(1).label("one")).subquery()
    joined = one.outerjoin(articles, articles.c.article_id == article_id).outerjoin(
        section_settings, section_settings.c.section_id == articles.c.section_id
    )
    query = select(
        *_article_columns(),
        _ban_column(author, now).label("ban"),
        *_history_columns(author, now - trust_window),
        *_parent_columns(parent_id),
    ).select_from(joined)
    row = (await session.execute(query)).one()
    return SubmissionFacts(
        article=_article(row),
        ban=_ban(row.ban),
        history=None
        if row.approved is None
        else AuthorHistory(int(row.approved), int(row.rejected), bool(row.ever_approved)),
        parent=None
        if row.p_article is None
        else ParentState(int(row.p_article), str(row.p_status), int(row.p_root), int(row.p_depth)),
    )


def _article(row: Any) -> ArticleState | None:
    if row.article_id is None:
        return None
    return ArticleState(
        article_id=int(row.article_id),
        status=str(row.status),
        section_id=int(row.section_id),
        section_path=tuple(row.section_path or ()),
        title=str(row.title),
        policy=row.policy,
        comments_open=bool(row.open),
        max_length=int(row.max_length),
    )


def _ban(value: str | None) -> BanState | None:
    if value is None:
        return None
    kind, subject_type = value.split(":")
    return BanState(kind=kind, subject_type=subject_type)  # type: ignore[arg-type] # values constrained by the API


async def store_comment(session: AsyncSession, values: dict[str, Any]) -> tuple[int, datetime]:
    """Insert a comment; returns its id and creation time."""
    row = (
        await session.execute(
            comments.insert().values(**values).returning(comments.c.id, comments.c.created_at)
        )
    ).one()
    return int(row.id), row.created_at
