"""Favourites (logged in) and recommends (logged in, or an anonymous visitor)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response

from articles.api.deps import DatabaseDep
from articles.api.mapping import json_response, page_body
from articles.api.schemas import ArticlePage, ReactionOut
from articles.domain import reactions
from common.auth import CurrentPrincipal, OptionalPrincipal
from common.ranges import ArticleId

router = APIRouter(prefix="/api/v1/articles", tags=["reactions"])
favourites_router = APIRouter(prefix="/api/v1/favourites", tags=["reactions"])


def _out(reaction: reactions.Reaction) -> ReactionOut:
    return ReactionOut(active=reaction.active, changed=reaction.changed, count=reaction.count)


@router.post("/{article_id}/favourite")
async def favourite(article_id: ArticleId, db: DatabaseDep, user: CurrentPrincipal) -> ReactionOut:
    """Add to the caller's favourites (a repeat changes nothing)."""
    async with db.transaction() as session:
        result = await reactions.set_favourite(
            session, article_id=article_id, user_id=user.user_id, active=True
        )
    return _out(result)


@router.delete("/{article_id}/favourite")
async def unfavourite(
    article_id: ArticleId, db: DatabaseDep, user: CurrentPrincipal
) -> ReactionOut:
    """Remove from the caller's favourites."""
    async with db.transaction() as session:
        result = await reactions.set_favourite(
            session, article_id=article_id, user_id=user.user_id, active=False
        )
    return _out(result)


@favourites_router.get("", response_model=ArticlePage)
async def my_favourites(
    db: DatabaseDep,
    user: CurrentPrincipal,
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Response:
    """The caller's favourites (published or archived articles), the newest addition first."""
    async with db.reading() as conn:
        found = await reactions.favourites_of(conn, user_id=user.user_id, page=page, limit=limit)
    return json_response(page_body(found, page_number=page))


@router.post("/{article_id}/recommend")
async def recommend(
    article_id: ArticleId,
    db: DatabaseDep,
    caller: OptionalPrincipal,
    x_client_id: Annotated[str | None, Header()] = None,
) -> ReactionOut:
    """Recommend, counted once per user (or per ``X-Client-Id`` visitor when anonymous)."""
    async with db.transaction() as session:
        result = await reactions.recommend(
            session,
            article_id=article_id,
            user_id=caller.user_id if caller else None,
            visitor=x_client_id,
        )
    return _out(result)
