"""Access tokens: issued by the gateway, verified by every service on its own."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

import jwt
from cachetools import LRUCache
from fastapi import Depends, HTTPException, Request, status

Role = Literal["reader", "moderator", "editor", "admin"]
ROLES: tuple[Role, ...] = ("reader", "moderator", "editor", "admin")
ALGORITHM = "EdDSA"  # pinned: a token naming any other algorithm is refused


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling, as the token says."""

    user_id: int
    username: str
    roles: frozenset[str]
    session_id: str = ""  # the login the token belongs to (revoked as a whole on logout)
    issued_ms: int = 0  # when it was issued, to the millisecond (revocation markers compare)

    def has_any(self, *roles: str) -> bool:
        """Whether the caller holds at least one of ``roles`` (admin holds all)."""
        return "admin" in self.roles or bool(self.roles.intersection(roles))


class InvalidTokenError(Exception):
    """The token is missing, forged, expired or malformed."""


class TokenIssuer:
    """Signs short-lived access tokens (gateway only: it holds the private key)."""

    def __init__(self, *, private_key: str, issuer: str, audience: str, ttl: timedelta) -> None:
        self._key = private_key
        self._issuer = issuer
        self._audience = audience
        self.ttl = ttl

    def issue(self, *, user_id: int, username: str, roles: list[str], session_id: str = "") -> str:
        """A signed token for a user."""
        now = datetime.now(UTC)
        claims = {
            "sub": str(user_id),
            "name": username,
            "roles": sorted(set(roles)),
            "iss": self._issuer,
            "aud": self._audience,
            "iat": now,
            "nbf": now,
            "exp": now + self.ttl,
            "sid": session_id,
            # iat has whole seconds; a token issued in the same second as a revocation
            # must be told apart from the ones it revoked
            "ims": int(now.timestamp() * 1000),
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)


class TokenVerifier:
    """Verifies signature, algorithm, issuer, audience, expiry and roles of a token.

    A token that verified is remembered (up to ``remembered`` of them, least recently
    used dropped first) until it expires: checking the signature again would give the
    same answer, and took about 170 us of CPU per authenticated request. Revocation is
    not part of this; it is checked on every request (:mod:`common.revocation`).
    """

    def __init__(
        self,
        *,
        public_key: str,
        issuer: str,
        audience: str,
        leeway: int = 5,
        remembered: int = 10_000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._key = public_key
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway
        self._clock = clock
        self._verified: LRUCache[str, tuple[Principal, float]] = LRUCache(maxsize=remembered)

    def verify(self, token: str) -> Principal:
        """The principal a valid token names; raises :class:`InvalidTokenError` otherwise."""
        known = self._verified.get(token)
        if known is not None:
            principal, expires = known
            if self._clock() < expires + self._leeway:
                return principal
            raise InvalidTokenError("Signature has expired")  # stays until pushed out
        principal, expires = self._decode(token)
        self._verified[token] = (principal, expires)
        return principal

    def _decode(self, token: str) -> tuple[Principal, float]:
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                issuer=self._issuer,
                audience=self._audience,
                leeway=self._leeway,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
            roles = frozenset(r for r in claims.get("roles", []) if r in ROLES)
            principal = Principal(
                user_id=int(claims["sub"]),
                username=str(claims["name"]),
                roles=roles,
                session_id=str(claims.get("sid") or ""),
                issued_ms=int(claims.get("ims") or int(claims["iat"]) * 1000 + 999),
            )
            return principal, float(claims["exp"])
        except (jwt.PyJWTError, KeyError, ValueError, TypeError) as exc:
            raise InvalidTokenError(str(exc)) from exc


def bearer_token(request: Request) -> str | None:
    """The bearer token of a request, if any."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _verifier(request: Request) -> TokenVerifier:
    verifier: TokenVerifier = request.app.state.token_verifier
    return verifier


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"}
    )


async def optional_principal(request: Request) -> Principal | None:
    """The caller if a valid token was sent; anonymous otherwise.

    A token that is sent but bad (forged, expired, revoked) is a 401 on every route, public
    ones included: a client that believes it is logged in learns that it is not.
    """
    token = bearer_token(request)
    if token is None:
        return None
    try:
        principal = _verifier(request).verify(token)
    except InvalidTokenError as exc:
        raise _unauthorized(f"invalid token: {exc}") from exc
    revocations = getattr(request.app.state, "revocations", None)
    if revocations is not None:
        reason = await revocations.revoked(principal)
        if reason is not None:
            raise _unauthorized(reason)
    return principal


async def current_principal(
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> Principal:
    """The caller; 401 when anonymous."""
    if principal is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="authentication required",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return principal


def require_roles(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    """A dependency admitting only callers with one of ``roles`` (admin always)."""

    async def dependency(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if not principal.has_any(*roles):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, detail=f"requires role: {' or '.join(roles)}"
            )
        return principal

    return dependency


OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]
CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
Moderator = Annotated[Principal, Depends(require_roles("moderator"))]
Editor = Annotated[Principal, Depends(require_roles("editor"))]
Admin = Annotated[Principal, Depends(require_roles("admin"))]
