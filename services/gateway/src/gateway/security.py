"""Security headers on every response, CSRF tokens for cookie sessions, same-origin checks."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.domain.errors import CsrfError

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-content-type-options", b"nosniff"),
]


class SecurityHeadersMiddleware:
    """Adds the security headers to every HTTP response that does not set them itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in SECURITY_HEADERS if h[0] not in present)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def csrf_token(secret: str, session_id: str) -> str:
    """The form token of a logged-in session (synchronizer token derived from the session)."""
    return hmac.new(secret.encode(), f"csrf:{session_id}".encode(), hashlib.sha256).hexdigest()


def check_csrf(*, secret: str, session_id: str, given: str | None) -> None:
    """Refuse a state-changing request of a session without its exact token."""
    if not given or not hmac.compare_digest(csrf_token(secret, session_id), given):
        raise CsrfError("missing or wrong CSRF token; reload the page and try again")


def check_same_origin(request: Request) -> None:
    """Refuse form posts a browser says came from another site (Origin, else Referer)."""
    claimed = request.headers.get("origin") or request.headers.get("referer")
    if not claimed:
        return  # not a browser, or one that sent neither: the session token check still applies
    origin = urlsplit(claimed)
    host = request.headers.get("host", "")
    if origin.netloc != host or origin.scheme not in {"http", "https"}:
        raise CsrfError("cross-site form submission refused")


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go to after login; anything pointing elsewhere becomes ``default``."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    if any(c in target for c in "\\\r\n\t") or urlsplit(target).netloc:
        return default
    return target
