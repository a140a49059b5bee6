"""Connections that are idle or too slow are closed, so a trickle of bytes cannot hold a slot.

uvicorn closes a kept-alive connection after ``timeout_keep_alive`` only once a response
has gone out, and any byte received cancels that timer; a connection that never finishes
its request head (or body) would stay open for ever. This protocol gives every request a
deadline for its head, from the moment the connection opens (or the previous response
ends), and a deadline for its body once the head is in.
"""

from __future__ import annotations

import asyncio
import logging
import math
import weakref
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

log = logging.getLogger(__name__)
HEAD_SECONDS = 10.0  # connect (or finish a response) to the end of the next request head
BODY_SECONDS = 30.0  # end of the head to the end of the body (64 KiB at ~2 KiB/s)
KEEP_ALIVE_SECONDS = 5  # an idle kept-alive connection
SWEEP_SECONDS = 1.0


class DeadlineHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with head and body deadlines.

    A request only stamps when its current phase is due (a float); one sweep a second per
    process closes the connections past due, so the read path pays no timer per request.
    """

    _due = math.inf

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override] # narrowed as in uvicorn
        super().connection_made(transport)
        self._due = self.loop.time() + HEAD_SECONDS
        _sweep_in(self.loop, self.connections)

    def on_headers_complete(self) -> None:
        self._due = self.loop.time() + BODY_SECONDS
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._due = math.inf  # the app has the request: its own time is its own business
        super().on_message_complete()

    def on_response_complete(self) -> None:
        waiting = not self.pipeline  # a pipelined request has its head in already
        super().on_response_complete()
        if waiting:
            self._due = self.loop.time() + HEAD_SECONDS

    def past_due(self, now: float) -> bool:
        """Whether the current request phase ran out of time."""
        return self._due < now


_SWEEPS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Task[None]] = (
    weakref.WeakKeyDictionary()
)


def _sweep_in(loop: asyncio.AbstractEventLoop, connections: set[Any]) -> None:
    if loop not in _SWEEPS:
        _SWEEPS[loop] = loop.create_task(_sweep(loop, connections), name="connection-deadlines")


async def _sweep(loop: asyncio.AbstractEventLoop, connections: set[Any]) -> None:
    while connections:  # with no connection left it ends; the next one starts it again
        await asyncio.sleep(SWEEP_SECONDS)
        now = loop.time()
        for protocol in list(connections):
            if isinstance(protocol, DeadlineHttpToolsProtocol) and protocol.past_due(now):
                if not protocol.transport.is_closing():
                    log.info("closing a connection too slow to send its request")
                    protocol.transport.close()
    del _SWEEPS[loop]
