"""Idempotent consumers: remember handled event ids next to the handler's own writes."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import Column, DateTime, MetaData, String, Table, Uuid, delete, func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession


def processed_events_table(metadata: MetaData) -> Table:
    """Event ids a consumer has handled, per consumer name."""
    return Table(
        "processed_events",
        metadata,
        Column("consumer", String(100), primary_key=True),
        Column("event_id", Uuid, primary_key=True),
        Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


async def claim_event(
    session: AsyncSession, table: Table, *, consumer: str, event_id: uuid.UUID
) -> bool:
    """True the first time ``consumer`` sees ``event_id``; call inside the handler's transaction.

    The claim commits or rolls back with the handler's writes, so a crash between the
    two cannot mark an event handled that was not, or handle one twice.
    """
    result = await session.execute(
        insert(table)
        .values(consumer=consumer, event_id=event_id)
        .on_conflict_do_nothing()
        .returning(table.c.event_id)
    )
    return result.first() is not None


async def forget_before(session: AsyncSession, table: Table, *, cutoff: datetime) -> int:
    """Drop claims older than ``cutoff`` (well past any redelivery); returns how many."""
    result = await session.execute(delete(table).where(table.c.processed_at < cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined] # CursorResult has rowcount


DEFAULT_RETENTION = timedelta(days=14)
