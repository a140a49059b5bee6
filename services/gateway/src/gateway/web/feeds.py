"""RSS feeds and the sitemap at the site root, as the articles service's links expect."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from common.ranges import SectionId
from gateway.api.responses import cached_response
from gateway.cache.invalidation import LISTS
from gateway.context import GatewayDep
from gateway.edge import client_info
from gateway.fetch import Caller, cached_get

router = APIRouter(tags=["feeds"], include_in_schema=False)


async def _feed(request: Request, gw: GatewayDep, path: str) -> Response:
    caller = Caller(client_id=client_info(request.scope).client_id)
    entry, state = await cached_get(
        gw, "articles", path, caller=caller, fresh_for=60.0, tags=(LISTS,)
    )
    return cached_response(request, gw, entry, state=state, public=entry.status == 200)


@router.get("/rss.xml")
async def rss(request: Request, gw: GatewayDep) -> Response:
    """The latest articles as RSS 2.0."""
    return await _feed(request, gw, "/api/v1/rss.xml")


@router.get("/sections/{section_id}/rss.xml")
async def section_rss(section_id: SectionId, request: Request, gw: GatewayDep) -> Response:
    """One section's articles as RSS 2.0."""
    return await _feed(request, gw, f"/api/v1/sections/{section_id}/rss.xml")


@router.get("/sitemap.xml")
async def sitemap(request: Request, gw: GatewayDep) -> Response:
    """Home, sections and published articles."""
    return await _feed(request, gw, "/api/v1/sitemap.xml")
