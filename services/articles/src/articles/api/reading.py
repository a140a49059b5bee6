"""Reading published articles: latest, one by id or slug."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from articles.api.deps import DatabaseDep
from articles.api.mapping import article_body, json_response, page_body
from articles.api.schemas import ArticleOut, ArticlePage
from articles.domain import reactions, reading
from common.auth import OptionalPrincipal, Principal
from common.db import Reader
from common.ranges import ArticleId

router = APIRouter(prefix="/api/v1/articles", tags=["reading"])


@router.get("", response_model=ArticlePage)
async def latest_articles(
    db: DatabaseDep,
    cursor: str | None = None,
    page: Annotated[int | None, Query(ge=1, le=1000)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Response:
    """Published articles of every section, newest first."""
    async with db.reading() as conn:
        found = await reading.list_published(conn, cursor=cursor, page=page, limit=limit)
    return json_response(page_body(found, page_number=page if cursor is None else None))


@router.get("/by-slug/{slug}", response_model=ArticleOut)
async def article_by_slug(slug: str, db: DatabaseDep, caller: OptionalPrincipal) -> Response:
    """A published (or archived) article by its slug."""
    async with db.reading() as conn:  # the slug lookup and the page may see two snapshots
        view = await reading.read_by_slug(conn, slug=slug)
        mine = await _favourited(conn, view.article.id, caller)
    return json_response(article_body(view, favourited=mine))


@router.get("/{article_id}", response_model=ArticleOut)
async def get_article(
    article_id: ArticleId, db: DatabaseDep, caller: OptionalPrincipal
) -> Response:
    """A published (or archived) article with breadcrumbs, previous/next and counters."""
    async with db.reading() as conn:
        view = await reading.read_article(conn, article_id=article_id)
        mine = await _favourited(conn, article_id, caller)
    return json_response(article_body(view, favourited=mine))


async def _favourited(reader: Reader, article_id: int, caller: Principal | None) -> bool | None:
    if caller is None:
        return None
    return await reactions.is_favourite(reader, article_id=article_id, user_id=caller.user_id)
