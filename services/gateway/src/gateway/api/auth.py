"""Accounts API: register, login, refresh, logout, who am I, and role grants by admins."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from common.auth import Admin, CurrentPrincipal
from common.ranges import UserId
from gateway.api.schemas import Credentials, RefreshRequest, RolesIn, TokenOut, UserOut
from gateway.context import Gateway, GatewayDep
from gateway.domain.login import log_in, login_client, sign_up
from gateway.edge import client_info

router = APIRouter(prefix="/api/v1", tags=["accounts"])
NO_STORE = {"Cache-Control": "no-store"}


def login_client_of(request: Request, gw: Gateway) -> str:
    """The device a login attempt comes from, as the login guard counts it."""
    info = client_info(request.scope)
    return login_client(secret=gw.settings.csrf_secret, ip=info.ip, user_agent=info.user_agent)


@router.post("/auth/register", status_code=status.HTTP_201_CREATED)
async def register_account(body: Credentials, gw: GatewayDep, response: Response) -> TokenOut:
    """Create a reader account; answers with a logged-in session."""
    response.headers.update(NO_STORE)
    pair = await sign_up(
        store=gw.users,
        hasher=gw.hasher,
        sessions=gw.sessions,
        username=body.username,
        password=body.password,
    )
    return TokenOut.of(pair)


@router.post("/auth/login")
async def login(
    body: Credentials, request: Request, gw: GatewayDep, response: Response
) -> TokenOut:
    """Trade username and password for an access token and a refresh token."""
    response.headers.update(NO_STORE)
    pair = await log_in(
        guard=gw.login_guard,
        store=gw.users,
        hasher=gw.hasher,
        sessions=gw.sessions,
        username=body.username,
        password=body.password,
        client=login_client_of(request, gw),
    )
    return TokenOut.of(pair)


@router.post("/auth/refresh")
async def refresh(body: RefreshRequest, gw: GatewayDep, response: Response) -> TokenOut:
    """Trade a refresh token for a new pair (the old one stops working)."""
    response.headers.update(NO_STORE)
    return TokenOut.of(await gw.sessions.rotate(body.refresh_token))


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(body: RefreshRequest, gw: GatewayDep) -> None:
    """End the session the refresh token belongs to."""
    await gw.sessions.end(body.refresh_token)


@router.get("/auth/me")
async def me(principal: CurrentPrincipal, response: Response) -> UserOut:
    """The caller as their token says."""
    response.headers["Cache-Control"] = "private, no-store"
    return UserOut(id=principal.user_id, username=principal.username, roles=sorted(principal.roles))


@router.get("/users")
async def list_users(_: Admin, gw: GatewayDep, response: Response) -> list[UserOut]:
    """Every account (admin only)."""
    response.headers["Cache-Control"] = "private, no-store"
    return [UserOut.of(u) for u in await gw.users.list_users()]


@router.put("/users/{user_id}/roles")
async def set_roles(user_id: UserId, body: RolesIn, _: Admin, gw: GatewayDep) -> UserOut:
    """Set roles (admin only); the user's earlier tokens are refused at once, everywhere."""
    return UserOut.of(await gw.sessions.change_roles(user_id=user_id, roles=body.roles))
