"""HTTP defaults: the shared client, request ids and body size limits."""

from __future__ import annotations

import itertools
import uuid

import httpx
import orjson
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID = "x-request-id"
_REQUEST_ID_HEADER = REQUEST_ID.encode()
_ID_PREFIX = uuid.uuid4().hex[:16].encode()  # per process: counters never collide across copies
_ID_COUNTER = itertools.count(1)


def request_id_of(headers: dict[bytes, bytes]) -> bytes:
    """The caller's request id when sane (1-64 printable characters), else a new one."""
    given = headers.get(_REQUEST_ID_HEADER)
    if given is not None and 0 < len(given) <= 64 and given.decode("latin-1").isprintable():
        return given
    return b"%s%016x" % (_ID_PREFIX, next(_ID_COUNTER))  # 32 hex digits, like a UUID


def create_client(
    *,
    base_url: str = "",
    timeout: float = 2.0,
    connect_timeout: float = 0.5,
    max_connections: int = 200,
) -> httpx.AsyncClient:
    """A pooled client with explicit timeouts; create once per process in ``lifespan``."""
    return httpx.AsyncClient(
        base_url=base_url,
        timeout=httpx.Timeout(timeout, connect=connect_timeout),
        limits=httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        ),
        follow_redirects=False,
    )


class RequestIdMiddleware:
    """Gives every request an id (kept from the caller when sane) and echoes it back."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(dict(scope["headers"]))
        scope.setdefault("state", {})["request_id"] = request_id.decode("latin-1")

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((_REQUEST_ID_HEADER, request_id))
            await send(message)

        await self.app(scope, receive, send_with_id)


class BodySizeLimitMiddleware:
    """Refuses request bodies over ``max_bytes`` with 413 before reading them whole."""

    def __init__(self, app: ASGIApp, *, max_bytes: int = 64 * 1024) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await _too_large(send, self.max_bytes)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise _BodyTooLargeError(self.max_bytes)
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _BodyTooLargeError:
            await _too_large(send, self.max_bytes)


class _BodyTooLargeError(HTTPException):
    # an HTTPException, so FastAPI's body parsing passes it on (413) instead of folding
    # it into a 400 "error parsing the body" (what a chunked body over the limit got)
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body over {limit} bytes")


async def _too_large(send: Send, limit: int) -> None:
    await send_error(send, 413, "payload_too_large", f"request body over {limit} bytes")


async def send_error(send: Send, status: int, code: str, detail: str) -> None:
    """Answer from a raw ASGI layer with the platform's JSON error shape."""
    body = orjson.dumps({"error": code, "detail": detail})
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
