"""Reading published articles: latest, one by id or slug."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.ext.asyncio import AsyncSession

from articles.api.deps import DatabaseDep
from articles.api.mapping import article_out, page_out
from articles.api.schemas import ArticleOut, ArticlePage
from articles.domain import reactions, reading
from common.auth import OptionalPrincipal, Principal
from common.ranges import ArticleId

router = APIRouter(prefix="/api/v1/articles", tags=["reading"])


@router.get("")
async def latest_articles(
    db: DatabaseDep,
    cursor: str | None = None,
    page: Annotated[int | None, Query(ge=1, le=1000)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> ArticlePage:
    """Published articles of every section, newest first."""
    async with db.reading() as session:
        found = await reading.list_published(session, cursor=cursor, page=page, limit=limit)
    return page_out(found, page_number=page if cursor is None else None)


@router.get("/by-slug/{slug}")
async def article_by_slug(slug: str, db: DatabaseDep, caller: OptionalPrincipal) -> ArticleOut:
    """A published (or archived) article by its slug."""
    async with db.transaction() as session:
        view = await reading.read_by_slug(session, slug=slug)
        mine = await _favourited(session, view.article.id, caller)
    return article_out(view, favourited=mine)


@router.get("/{article_id}")
async def get_article(
    article_id: ArticleId, db: DatabaseDep, caller: OptionalPrincipal
) -> ArticleOut:
    """A published (or archived) article with breadcrumbs, previous/next and counters."""
    async with db.reading() as session:
        view = await reading.read_article(session, article_id=article_id)
        mine = await _favourited(session, article_id, caller)
    return article_out(view, favourited=mine)


async def _favourited(
    session: AsyncSession, article_id: int, caller: Principal | None
) -> bool | None:
    if caller is None:
        return None
    return await reactions.is_favourite(session, article_id=article_id, user_id=caller.user_id)
