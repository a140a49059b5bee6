"""Routing of every other ``/api/v1/...`` path to the service that owns it."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from common.auth import bearer_token
from gateway.api.responses import PRIVATE, VARY, cached_response
from gateway.context import GatewayDep
from gateway.edge import client_info
from gateway.fetch import Caller, cached_get, call
from gateway.routing import cache_policy, upstream_for

router = APIRouter(tags=["routing"])
PASSED_BACK = ("content-type", "retry-after", "www-authenticate")


def caller_of(request: Request) -> Caller:
    """The caller of an API request: its bearer token (if any) and its client id."""
    return Caller(
        client_id=client_info(request.scope).client_id,
        request_id=getattr(request.state, "request_id", ""),
        token=bearer_token(request),
    )


@router.api_route("/api/v1/{rest:path}", methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"])
async def route(request: Request, gw: GatewayDep) -> Response:
    """Forward to the owning service; public GETs go through the shared cache."""
    path = request.url.path
    upstream = upstream_for(path)
    caller = caller_of(request)
    params = request.query_params.multi_items()
    policy = cache_policy(path)
    if request.method in {"GET", "HEAD"} and policy is not None and caller.token is None:
        entry, state = await cached_get(
            gw,
            upstream,
            path,
            caller=caller,
            params=params,
            fresh_for=policy.fresh_for,
            tags=policy.tags,
        )
        return cached_response(request, gw, entry, state=state, public=True)
    body = await request.body() if request.method not in {"GET", "HEAD"} else None
    response = await call(
        gw,
        upstream,
        request.method,
        path,
        caller=caller,
        params=params,
        body=body,
        content_type=request.headers.get("content-type"),
    )
    headers = {k: v for k, v in response.headers.items() if k.lower() in PASSED_BACK}
    headers.update({"Cache-Control": PRIVATE, "Vary": VARY})
    return Response(content=response.content, status_code=response.status_code, headers=headers)
