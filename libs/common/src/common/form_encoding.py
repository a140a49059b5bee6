"""Form bodies are URL-encoded UTF-8, or they are refused before any route sees them.

Starlette decodes a form's percent-escapes with ``errors="replace"`` (and multipart parts
it cannot decode as latin-1), so invalid UTF-8 would be stored as mojibake. Here a form
with bytes that are not UTF-8 is a 400 and a multipart body a 415: no route takes files.
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from common.http import send_error

URLENCODED = b"application/x-www-form-urlencoded"
MULTIPART = b"multipart/form-data"


def is_utf8_form(body: bytes) -> bool:
    """Whether every name and value of a URL-encoded body decodes as UTF-8."""
    try:
        for pair in body.split(b"&"):
            for part in pair.split(b"=", 1):
                unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class FormEncodingMiddleware:
    """Refuses form bodies that are not UTF-8 (400) and multipart bodies (415).

    Install inside the body size limit: the body is read whole here.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in {"GET", "HEAD", "OPTIONS"}:
            await self.app(scope, receive, send)
            return
        content_type = dict(scope["headers"]).get(b"content-type", b"")
        kind = content_type.split(b";", 1)[0].strip().lower()
        if kind == MULTIPART:
            await send_error(send, 415, "unsupported_media_type", "send forms URL-encoded")
            return
        if kind != URLENCODED:
            await self.app(scope, receive, send)
            return
        chunks = []
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if not is_utf8_form(body):
            await send_error(send, 400, "invalid_encoding", "form fields must be UTF-8")
            return
        await self.app(scope, _replay(body, receive), send)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()  # only a disconnect can come now
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
