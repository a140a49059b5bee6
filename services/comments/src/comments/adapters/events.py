"""Events leave through the outbox, in the transaction of the change they announce."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from comments.adapters.tables import outbox
from common.events import EventData
from common.outbox import add_event, add_events

PRODUCER = "comments"


async def emit(session: AsyncSession, payload: EventData, *, article_id: int) -> None:
    """Record ``payload`` in the outbox, keyed by its article so its events stay ordered."""
    await add_event(session, outbox, payload, key=str(article_id), producer=PRODUCER)


async def emit_all(session: AsyncSession, payloads: list[EventData], *, article_id: int) -> None:
    """Record several events of one article with one statement, in order."""
    await add_events(session, outbox, payloads, key=str(article_id), producer=PRODUCER)
