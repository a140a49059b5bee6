"""Events leave through the outbox, in the transaction of the change they announce."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from comments.adapters.tables import outbox
from common.events import EventData
from common.outbox import add_event

PRODUCER = "comments"


async def emit(session: AsyncSession, payload: EventData, *, article_id: int) -> None:
    """Record ``payload`` in the outbox, keyed by its article so its events stay ordered."""
    await add_event(session, outbox, payload, key=str(article_id), producer=PRODUCER)
