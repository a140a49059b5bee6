"""What a submission needs from Postgres, in one query; and storing the comment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Literal

from sqlalchemy import (
    String,
    and_,
    bindparam,
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


OwnerKind = Literal["user", "client", "nobody"]


def _owner_kind(author: Author) -> OwnerKind:
    if author.user_id is not None:
        return "user"
    return "nobody" if author.client_id == UNKNOWN_CLIENT else "client"


def _owner(kind: OwnerKind) -> Any:
    c = comments.c
    if kind == "user":
        return c.user_id == bindparam("user_id")
    return and_(c.user_id.is_(None), c.client_id == bindparam("client_id"))


def _ban_column(kind: OwnerKind) -> Any:
    b = bans.c
    subjects = [and_(b.subject_type == "client", b.subject == bindparam("client_id"))]
    if kind == "user":
        subjects.append(and_(b.subject_type == "user", b.subject == bindparam("user_key")))
    return (
        select(b.kind + ":" + b.subject_type)
        .where(or_(*subjects), b.lifted_at.is_(None), or_(b.until.is_(None), b.until > func.now()))
        .order_by(case((b.kind == "ban", 0), else_=1))
        .limit(1)
        .scalar_subquery()
        .label("ban")
    )


HISTORY_DEPTH = 200  # "recent history": the author's latest comments, at most this many


def _history_columns(kind: OwnerKind) -> list[Any]:
    if kind == "nobody":  # nobody can be told apart: no history
        return [literal(None).label("approved"), literal(None).label("rejected"), literal(False)]
    c, owner = comments.c, _owner(kind)
    neutral = cast(list(NEUTRAL_REJECTIONS), ARRAY(String(64)))
    recent = (
        select(c.status, c.reasons)
        .where(owner, c.created_at > bindparam("since"))
        .order_by(c.created_at.desc())
        .limit(HISTORY_DEPTH)
        .subquery()
    )
    approved = select(func.count()).where(recent.c.status == "approved")
    rejected = select(func.count()).where(
        recent.c.status == "rejected", not_(recent.c.reasons.overlap(neutral))
    )
    return [
        approved.scalar_subquery().label("approved"),
        rejected.scalar_subquery().label("rejected"),
        exists().where(owner, c.status == "approved").label("ever_approved"),
    ]


def _parent_columns(with_parent: bool) -> list[Any]:
    if not with_parent:
        return [literal(None).label(n) for n in ("p_article", "p_status", "p_root", "p_depth")]
    c = comments.c
    one = c.id == bindparam("parent_id")
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


@lru_cache(maxsize=8)
def _facts_query(kind: OwnerKind, with_parent: bool) -> Any:
    """Built once per shape: constructing it is most of the CPU a submission costs."""
    one = select(literal(1).label("one")).subquery()
    joined = one.outerjoin(articles, articles.c.article_id == bindparam("article_id")).outerjoin(
        section_settings, section_settings.c.section_id == articles.c.section_id
    )
    return select(
        *_article_columns(),
        _ban_column(kind),
        *_history_columns(kind),
        *_parent_columns(with_parent),
    ).select_from(joined)


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
    kind = _owner_kind(author)
    params = {
        "article_id": article_id,
        "client_id": author.client_id,
        "user_id": author.user_id,
        "user_key": str(author.user_id),
        "parent_id": parent_id,
        "since": now - trust_window,
    }
    query = _facts_query(kind, parent_id is not None)
    return _facts((await session.execute(query, params)).one())


def _facts(row: Any) -> SubmissionFacts:
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


_INSERT = comments.insert().returning(comments.c.id, comments.c.created_at)
_INSERT_PUBLISHED = _INSERT.values(published_at=func.now())


async def store_comment(
    session: AsyncSession, values: dict[str, Any], *, published: bool
) -> tuple[int, datetime]:
    """Insert a comment (published now, or not yet); returns its id and creation time."""
    statement = _INSERT_PUBLISHED if published else _INSERT
    row = (await session.execute(statement, values)).one()
    return int(row.id), row.created_at
