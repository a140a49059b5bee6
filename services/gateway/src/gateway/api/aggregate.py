"""GET /api/v1/articles/{id}: article + read count + comment count, cached and counted."""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Request, Response

from common.auth import OptionalPrincipal
from common.ranges import ArticleId
from gateway.api.proxy import caller_of
from gateway.api.responses import cached_response
from gateway.assembly import assemble_article
from gateway.cache.entry import CachedResponse
from gateway.cache.invalidation import article_tag, comments_tag
from gateway.context import GatewayDep
from gateway.edge import read_of

router = APIRouter(tags=["aggregation"])


@router.get("/api/v1/articles/{article_id}")
async def article(
    article_id: ArticleId, request: Request, gw: GatewayDep, principal: OptionalPrincipal
) -> Response:
    """The article with breadcrumbs, prev/next, read count and comment count.

    A bad or revoked token is a 401 here as on every API route (never read as anonymous).
    """
    caller = caller_of(request)

    async def load() -> CachedResponse:
        bundle = await assemble_article(gw, article_id=article_id, caller=caller, full_page=False)
        degraded = bool(bundle.unavailable)
        return CachedResponse.build(
            orjson.dumps(bundle.api_json()),
            "application/json",
            fresh_for=1.0 if degraded else gw.settings.cache_count_fresh_seconds,
            stale_for=30.0,
            tags=(article_tag(article_id), comments_tag(article_id)),
            meta={"section_id": bundle.article.get("section_id")},
        )

    # the API authenticates by bearer token only: cookies do not make an answer private
    public = caller.token is None
    if public:
        entry, state = await gw.cache.fetch(f"api:article:{article_id}", load)
        assert entry is not None  # noqa: S101 - load() answers or raises
    else:
        entry, state = await load(), "miss"
    user_id = principal.user_id if principal is not None else None
    gw.reads.record(read_of(request.scope, article_id, entry.meta.get("section_id"), user_id))
    return cached_response(request, gw, entry, state=state, public=public)
