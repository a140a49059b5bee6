"""Connections that are idle or too slow are closed, so a trickle of bytes cannot hold a slot.

uvicorn closes a kept-alive connection after ``timeout_keep_alive`` only once a response
has gone out, and any byte received cancels that timer; a connection that never finishes
its request head (or body) would stay open for ever. Here every connection gets a
deadline for each request head, from the moment the connection opens (or the previous
response ends), and a deadline for its body once the head is in.

The request path pays nothing for it: one sweep a second per process looks at each
connection's current request (uvicorn's ``cycle``) and notes when it first saw the
connection in its present phase. A connection still in the same phase of the same
request past the phase's time is closed. A deadline is therefore kept to within two
sweeps: the phase is noticed up to one sweep after it began, and checked once a sweep.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import weakref
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

log = logging.getLogger(__name__)
HEAD_SECONDS = 10.0  # connect (or finish a response) to the end of the next request head
BODY_SECONDS = 30.0  # end of the head to the end of the body (64 KiB at ~2 KiB/s)
KEEP_ALIVE_SECONDS = 5  # an idle kept-alive connection
SWEEP_SECONDS = 1.0


class Phase(enum.Enum):
    """Where a connection's current request stands."""

    HEAD = "head"  # waiting for (the rest of) the next request head
    BODY = "body"  # the head is in, the body is still arriving
    APP = "app"  # the app has the request: its own time is its own business


def phase_of(protocol: HttpToolsProtocol) -> Phase:
    """The phase of a connection, read from uvicorn's current request cycle."""
    cycle = protocol.cycle
    if cycle is None or cycle.response_complete:
        return Phase.HEAD
    return Phase.BODY if cycle.more_body else Phase.APP


class DeadlineHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with head and body deadlines (see the module docstring)."""

    # what the last sweep saw: the phase, the request it belongs to, since when (loop time)
    _seen: tuple[Phase, object, float] | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override] # narrowed as in uvicorn
        super().connection_made(transport)
        _sweep_in(self.loop, self.connections)

    def past_due(self, now: float) -> bool:
        """Whether the current request phase ran out of time, as of this sweep."""
        phase, cycle = phase_of(self), self.cycle
        seen = self._seen
        if seen is None or seen[0] is not phase or seen[1] is not cycle:
            self._seen = (phase, cycle, now)
            return False
        allowed = {Phase.HEAD: HEAD_SECONDS, Phase.BODY: BODY_SECONDS}.get(phase)
        return allowed is not None and now - seen[2] > allowed


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
