"""Cookie sessions of the HTML pages: the access token and the refresh token in HttpOnly cookies.

An expired access cookie is renewed from the refresh cookie on the next page view. Forms
of a logged-in session carry a CSRF token derived from the session id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Response

from common.auth import InvalidTokenError, Principal
from gateway.context import Gateway, GatewayDep
from gateway.domain.errors import UnauthorizedError
from gateway.domain.sessions import TokenPair
from gateway.security import check_csrf, check_same_origin, csrf_token

ACCESS_COOKIE = "nr_at"
REFRESH_COOKIE = "nr_rt"


@dataclass(slots=True)
class WebSession:
    """The visitor of an HTML page: anonymous, or a user with a session."""

    principal: Principal | None = None
    access_token: str | None = None
    session_id: str = ""
    csrf: str = ""
    renewed: TokenPair | None = None
    ended: bool = False

    @property
    def anonymous(self) -> bool:
        """No logged-in user."""
        return self.principal is None

    def has_role(self, *roles: str) -> bool:
        """Whether the user holds one of ``roles`` (admin holds all)."""
        return self.principal is not None and self.principal.has_any(*roles)


async def _from_access(gw: Gateway, token: str) -> WebSession | None:
    try:
        principal = gw.verifier.verify(token)
    except InvalidTokenError:
        return None
    if await gw.sessions.is_revoked(principal):
        return None  # logged out or roles changed: the refresh cookie decides what follows
    sid = principal.session_id
    return WebSession(
        principal=principal,
        access_token=token,
        session_id=sid,
        csrf=csrf_token(gw.settings.csrf_secret, sid),
    )


async def load_session(request: Request, gw: Gateway) -> WebSession:
    """The session the cookies name, renewing an expired access token when possible."""
    access = request.cookies.get(ACCESS_COOKIE)
    session = await _from_access(gw, access) if access else None
    if session is not None:
        return session
    refresh = request.cookies.get(REFRESH_COOKIE)
    if not refresh:
        return WebSession(ended=access is not None)
    try:
        pair = await gw.sessions.rotate(refresh)
    except UnauthorizedError:
        return WebSession(ended=True)
    session = await _from_access(gw, pair.access_token) or WebSession(ended=True)
    session.renewed = pair
    return session


async def web_session(request: Request, gw: GatewayDep) -> WebSession:
    """Dependency: the page's session (cached on the request)."""
    found: WebSession | None = getattr(request.state, "web_session", None)
    if found is None:
        found = await load_session(request, gw)
        request.state.web_session = found
    return found


SessionDep = Annotated[WebSession, Depends(web_session)]


def set_session_cookies(response: Response, pair: TokenPair, *, secure: bool) -> None:
    """Log the browser in: both tokens as HttpOnly, SameSite=Lax cookies."""
    response.set_cookie(
        ACCESS_COOKIE,
        pair.access_token,
        max_age=pair.expires_in,
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
    )
    response.set_cookie(
        REFRESH_COOKIE,
        pair.refresh_token,
        max_age=pair.refresh_expires_in,
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
    )


def clear_session_cookies(response: Response, *, secure: bool) -> None:
    """Log the browser out."""
    for name in (ACCESS_COOKIE, REFRESH_COOKIE):
        response.delete_cookie(name, path="/", httponly=True, samesite="lax", secure=secure)


def apply_session(response: Response, session: WebSession, *, secure: bool) -> Response:
    """Send renewed or cleared cookies along with a page."""
    if session.renewed is not None:
        set_session_cookies(response, session.renewed, secure=secure)
    elif session.ended:
        clear_session_cookies(response, secure=secure)
    return response


def check_form(request: Request, session: WebSession, given: str | None, secret: str) -> None:
    """CSRF defence of a form post: same origin always, plus the token for a session."""
    check_same_origin(request)
    if not session.anonymous:
        check_csrf(secret=secret, session_id=session.session_id, given=given)
