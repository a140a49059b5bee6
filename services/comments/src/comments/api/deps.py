"""Request dependencies: the process context and who is calling."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from comments.context import CommentsContext
from comments.domain.model import UNKNOWN_CLIENT, Viewer
from common.auth import OptionalPrincipal


def _context(request: Request) -> CommentsContext:
    ctx: CommentsContext = request.app.state.ctx
    return ctx


def _client_id(request: Request) -> str:
    """The gateway's opaque client id; anything missing or odd is the "unknown" client."""
    value = request.headers.get("x-client-id", "")
    if 0 < len(value) <= 128 and value.isascii() and value.isprintable() and " " not in value:
        return value
    return UNKNOWN_CLIENT


ClientId = Annotated[str, Depends(_client_id)]
Ctx = Annotated[CommentsContext, Depends(_context)]


def _viewer(principal: OptionalPrincipal, client_id: ClientId) -> Viewer:
    return Viewer(
        user_id=principal.user_id if principal else None,
        client_id=client_id,
        moderator=principal is not None and principal.has_any("moderator"),
    )


CurrentViewer = Annotated[Viewer, Depends(_viewer)]
