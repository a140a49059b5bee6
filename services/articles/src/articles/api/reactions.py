"""Favourites (logged in) and recommends (logged in, or an anonymous visitor)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header

from articles.api.deps import DatabaseDep
from articles.api.schemas import ReactionOut
from articles.domain import reactions
from common.auth import CurrentPrincipal, OptionalPrincipal
from common.ranges import ArticleId

router = APIRouter(prefix="/api/v1/articles", tags=["reactions"])


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
