"""Request dependencies: the process context and who is calling.

All are ``async def``: FastAPI runs plain ``def`` dependencies in a thread pool, a hop
per dependency that the submit path cannot afford; token checks are ``common.auth``'s.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from comments.context import CommentsContext
from comments.domain.model import UNKNOWN_CLIENT, Viewer
from common.auth import Principal, optional_principal


async def _context(request: Request) -> CommentsContext:
    ctx: CommentsContext = request.app.state.ctx
    return ctx


async def _client_id(request: Request) -> str:
    """The gateway's opaque client id; anything missing or odd is the "unknown" client."""
    value = request.headers.get("x-client-id", "")
    if 0 < len(value) <= 128 and value.isascii() and value.isprintable() and " " not in value:
        return value
    return UNKNOWN_CLIENT


ClientId = Annotated[str, Depends(_client_id)]
Ctx = Annotated[CommentsContext, Depends(_context)]
Caller = Annotated[Principal | None, Depends(optional_principal)]


async def _moderator(principal: Caller) -> Principal:
    if principal is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="authentication required",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not principal.has_any("moderator"):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="requires role: moderator")
    return principal


Moderator = Annotated[Principal, Depends(_moderator)]


async def _viewer(principal: Caller, client_id: ClientId) -> Viewer:
    return Viewer(
        user_id=principal.user_id if principal else None,
        client_id=client_id,
        moderator=principal is not None and principal.has_any("moderator"),
    )


CurrentViewer = Annotated[Viewer, Depends(_viewer)]
