"""Request dependencies: the process context and who is calling.

All are ``async def``: FastAPI runs plain ``def`` dependencies in a thread pool, a hop
per dependency that the submit path cannot afford; token checks are ``common.auth``'s.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from comments.context import CommentsContext
from comments.domain.model import UNKNOWN_CLIENT, Viewer
from common import auth
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


Moderator = auth.Moderator  # 401 when anonymous, 403 without the moderator role


async def _viewer(principal: Caller, client_id: ClientId) -> Viewer:
    return Viewer(
        user_id=principal.user_id if principal else None,
        client_id=client_id,
        moderator=principal is not None and principal.has_any("moderator"),
    )


CurrentViewer = Annotated[Viewer, Depends(_viewer)]
