"""Identity headers are believed only from the gateway, which proves itself with a secret.

The gateway names each client by a salted hash of its address (``X-Client-Id``); rate
limits, duplicate checks and anonymous reactions count by it. A caller that reaches a
service directly could otherwise claim any client id it likes.
"""

from __future__ import annotations

import hmac

from starlette.types import ASGIApp, Receive, Scope, Send

from common.http import send_error

GATEWAY_SECRET_HEADER = "x-gateway-secret"  # noqa: S105 - a header name, not a secret
IDENTITY_HEADERS = frozenset({b"x-client-id"})
_DETAIL = "X-Client-Id is accepted only from the gateway (missing or wrong X-Gateway-Secret)"


class GatewayTrustMiddleware:
    """Refuses (403) a request that carries an identity header without the gateway's secret."""

    def __init__(self, app: ASGIApp, *, secret: str) -> None:
        self.app = app
        self._secret = secret.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self._trusted(scope["headers"]):
            await send_error(send, 403, "forbidden", _DETAIL)
            return
        await self.app(scope, receive, send)

    def _trusted(self, headers: list[tuple[bytes, bytes]]) -> bool:
        claims_identity, given = False, b""
        for name, value in headers:
            if name in IDENTITY_HEADERS:
                claims_identity = True
            elif name == b"x-gateway-secret":
                given = value
        return not claims_identity or hmac.compare_digest(given, self._secret)
