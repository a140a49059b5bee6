"""The baseline of bench/gateway_read.py: a bare ASGI app answering fixed bytes from memory.

``BARE_BODY_FILE`` holds the body; ``BARE_HEADERS_FILE`` (optional) a JSON list of
``[name, value]`` header pairs — the gateway's own response headers, so both servers send
the same bytes. Without it only content-type and content-length are sent.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

BODY = Path(os.environ["BARE_BODY_FILE"]).read_bytes()
_headers_file = os.environ.get("BARE_HEADERS_FILE")
HEADERS = (
    [(n.encode(), v.encode()) for n, v in json.loads(Path(_headers_file).read_text())]
    if _headers_file
    else [(b"content-type", b"text/html; charset=utf-8")]
)
HEADERS = [h for h in HEADERS if h[0] != b"content-length"]
HEADERS.append((b"content-length", str(len(BODY)).encode()))


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Every HTTP request gets the same response."""
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
