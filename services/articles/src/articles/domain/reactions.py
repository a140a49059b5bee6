"""Favourites (logged-in readers) and recommends (once per user or visitor)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from articles.adapters import store
from articles.adapters.tables import articles, favourites, recommends
from articles.domain.events import article_key
from articles.domain.reading import _numbered, check_limit
from articles.domain.records import Article, Page
from articles.domain.text_rules import check_text
from articles.domain.workflow import READER_VISIBLE
from common.db import Reader
from common.errors import InvalidInputError, NotFoundError
from common.events.articles import ArticleFavourited, ArticleRecommended

MAX_VISITOR_CHARS = 64


@dataclass(frozen=True, slots=True)
class Reaction:
    """The caller's state after a favourite/recommend, and the article's new count."""

    active: bool
    changed: bool
    count: int


async def _readable(session: AsyncSession, article_id: int) -> Article:
    article = await store.get_article(session, article_id)
    if article is None or article.status not in READER_VISIBLE:
        raise NotFoundError(f"article {article_id} does not exist")
    return article


async def _bump(session: AsyncSession, column: str, article_id: int, by: int) -> int:
    col = articles.c[column]
    count = await session.scalar(
        articles.update().where(articles.c.id == article_id).values({col: col + by}).returning(col)
    )
    return int(count or 0)


async def set_favourite(
    session: AsyncSession, *, article_id: int, user_id: int, active: bool
) -> Reaction:
    """Add or remove a favourite; idempotent, one event per real change."""
    article = await _readable(session, article_id)
    if active:
        stmt = insert(favourites).values(article_id=article_id, user_id=user_id)
        changed = (
            await session.execute(stmt.on_conflict_do_nothing().returning(favourites.c.user_id))
        ).first() is not None
    else:
        changed = (
            await session.execute(
                favourites.delete()
                .where(favourites.c.article_id == article_id, favourites.c.user_id == user_id)
                .returning(favourites.c.user_id)
            )
        ).first() is not None
    if not changed:
        return Reaction(active=active, changed=False, count=article.favourite_count)
    count = await _bump(session, "favourite_count", article_id, 1 if active else -1)
    payload = ArticleFavourited(
        article_id=article_id, section_id=article.section_id, user_id=user_id, active=active
    )
    await store.emit(session, payload, key=article_key(article_id))
    return Reaction(active=active, changed=True, count=count)


async def recommend(
    session: AsyncSession, *, article_id: int, user_id: int | None, visitor: str | None
) -> Reaction:
    """Count a recommend once per logged-in user, else once per anonymous visitor."""
    if user_id is None and not visitor:
        raise InvalidInputError("recommending needs a logged-in user or an X-Client-Id visitor")
    if user_id is None and visitor is not None and len(visitor) > MAX_VISITOR_CHARS:
        raise InvalidInputError(f"X-Client-Id: longer than {MAX_VISITOR_CHARS} characters")
    if visitor is not None:
        check_text("X-Client-Id", visitor)
    article = await _readable(session, article_id)
    voter = f"u:{user_id}" if user_id is not None else f"v:{visitor}"
    stmt = insert(recommends).values(article_id=article_id, voter=voter)
    changed = (
        await session.execute(stmt.on_conflict_do_nothing().returning(recommends.c.voter))
    ).first() is not None
    if not changed:
        return Reaction(active=True, changed=False, count=article.recommend_count)
    count = await _bump(session, "recommend_count", article_id, 1)
    payload = ArticleRecommended(
        article_id=article_id,
        section_id=article.section_id,
        user_id=user_id,
        visitor=None if user_id is not None else visitor,
    )
    await store.emit(session, payload, key=article_key(article_id))
    return Reaction(active=True, changed=True, count=count)


async def is_favourite(session: Reader, *, article_id: int, user_id: int) -> bool:
    """Whether the user has this article among their favourites."""
    found = await session.scalar(
        select(favourites.c.user_id).where(
            favourites.c.article_id == article_id, favourites.c.user_id == user_id
        )
    )
    return found is not None


async def favourites_of(session: Reader, *, user_id: int, page: int, limit: int) -> Page:
    """The user's favourites readers can still open, the most recently added first."""
    check_limit(limit)
    query = (
        select(*store.LIST_COLUMNS)
        .join(favourites, favourites.c.article_id == articles.c.id)
        .where(
            favourites.c.user_id == user_id,
            articles.c.status.in_([s.value for s in READER_VISIBLE]),
        )
        .order_by(favourites.c.created_at.desc(), articles.c.id.desc())
    )
    query, total = await _numbered(session, query, page=page, limit=limit)
    rows = (await session.execute(query.limit(limit))).all()
    return Page(items=[Article.from_row(r) for r in rows], next_cursor=None, total=total)
