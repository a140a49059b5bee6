"""Form posts of the portal: login, register, logout, comments, favourite and recommend.

Every form works without JavaScript (post, then redirect back); the page's script only
enhances them. Form posts are CSRF-checked (same origin, and the token for a session).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from common.errors import DomainError
from gateway.api.auth import login_client_of
from gateway.context import GatewayDep
from gateway.domain.login import log_in, sign_up
from gateway.security import safe_next
from gateway.web.render import Page, plain_page
from gateway.web.session import (
    SessionDep,
    check_form,
    clear_session_cookies,
    set_session_cookies,
)

router = APIRouter(tags=["forms"], include_in_schema=False)
FormText = Annotated[str, Form(max_length=300)]
Csrf = Annotated[str | None, Form(max_length=100)]


def _back(target: str) -> RedirectResponse:
    return RedirectResponse(target, status_code=303)


@router.get("/login")
async def login_page(gw: GatewayDep, session: SessionDep, next: str | None = None) -> Response:
    """The login form."""
    page = Page("login.html", {"mode": "login", "next": safe_next(next)})
    return plain_page(page, session, secure=gw.settings.cookie_secure)


@router.get("/register")
async def register_page(gw: GatewayDep, session: SessionDep, next: str | None = None) -> Response:
    """The registration form."""
    page = Page("login.html", {"mode": "register", "next": safe_next(next)})
    return plain_page(page, session, secure=gw.settings.cookie_secure)


@router.post("/login")
async def login_form(
    request: Request,
    gw: GatewayDep,
    session: SessionDep,
    username: FormText,
    password: FormText,
    next: FormText = "/",
) -> Response:
    """Log in and go back to a local page (never elsewhere)."""
    check_form(request, session, None, gw.settings.csrf_secret)
    target = safe_next(next)
    try:
        pair = await log_in(
            guard=gw.login_guard,
            store=gw.users,
            hasher=gw.hasher,
            sessions=gw.sessions,
            username=username,
            password=password,
            client=login_client_of(request, gw),
        )
    except DomainError as exc:
        page = Page(
            "login.html",
            {"mode": "login", "next": target, "username": username, "error": _login_error(exc)},
            status=exc.status_code,
        )
        return plain_page(page, session, secure=gw.settings.cookie_secure)
    response = _back(target)
    set_session_cookies(response, pair, secure=gw.settings.cookie_secure)
    return response


def _login_error(exc: DomainError) -> str:
    return "locked" if exc.status_code == 429 else "wrong"


@router.post("/register")
async def register_form(
    request: Request,
    gw: GatewayDep,
    session: SessionDep,
    username: FormText,
    password: FormText,
    next: FormText = "/",
) -> Response:
    """Create an account, log it in, and go back."""
    check_form(request, session, None, gw.settings.csrf_secret)
    target = safe_next(next)
    try:
        pair = await sign_up(
            store=gw.users,
            hasher=gw.hasher,
            sessions=gw.sessions,
            username=username,
            password=password,
        )
    except DomainError as exc:
        error = "taken" if exc.status_code == 409 else "invalid"
        context = {"mode": "register", "next": target, "username": username}
        context |= {"error": error, "detail": exc.detail}
        page = Page("login.html", context, status=exc.status_code)
        return plain_page(page, session, secure=gw.settings.cookie_secure)
    response = _back(target)
    set_session_cookies(response, pair, secure=gw.settings.cookie_secure)
    return response


@router.post("/logout")
async def logout_form(
    request: Request, gw: GatewayDep, session: SessionDep, csrf_token: Csrf = None
) -> Response:
    """End the session and forget its cookies."""
    check_form(request, session, csrf_token, gw.settings.csrf_secret)
    refresh = request.cookies.get("nr_rt")
    if refresh:
        await gw.sessions.end(refresh)
    response = _back("/")
    clear_session_cookies(response, secure=gw.settings.cookie_secure)
    return response
