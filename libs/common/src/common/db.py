"""Async SQLAlchemy engine and sessions bound to one service's own schema."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, exc, text
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from common.settings import ServiceSettings

Reader = AsyncSession | AsyncConnection  # what a read runs on: a session or a bare connection


def create_engine(settings: ServiceSettings, *, pre_ping: bool = False) -> AsyncEngine:
    """An engine whose connections see the service's schema first.

    ``pre_ping`` would test each connection as it leaves the pool (BEGIN, a ping,
    ROLLBACK: three round trips per request). Without it, the default, a connection the
    server dropped (PostgreSQL restarted) fails the one statement that meets it with a
    503 (``common.errors``; the gateway retries idempotent calls once more), and the pool
    then replaces every connection older than it.
    The pool never overflows: a connection opened past its size closes on return, so a
    steady load above the size connected per request (TCP, a TLS attempt, a new server
    process, statements prepared and types looked up again), which took about a tenth of
    a busy read's CPU. A request waits up to ``db_pool_timeout`` seconds for one of the
    pool's connections instead, then is answered 503 (``common.errors``).
    """
    engine = create_async_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=0,
        pool_timeout=settings.db_pool_timeout,
        pool_pre_ping=pre_ping,
        connect_args={
            "server_settings": {
                "search_path": f"{settings.db_schema},public",
                "application_name": settings.service_name,
            },
        },
    )
    event.listen(engine.sync_engine, "checkout", _closed_is_replaced)
    return engine


def _closed_is_replaced(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """A pooled connection the server already closed is swapped for a new one at checkout.

    asyncpg knows without asking the server (its socket saw the close), so this costs no
    round trip; the pool retries the checkout with a fresh connection.
    """
    driver = getattr(dbapi_connection, "driver_connection", None)
    if driver is not None and driver.is_closed():
        raise exc.DisconnectionError("the server closed this pooled connection")


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def reading(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A bare connection (no ORM session) in autocommit, for reads: no BEGIN and no
    COMMIT or ROLLBACK, which took about half the time of the section-tree route function
    (the framework around it not counted).

    Each statement sees its own snapshot, so a read that needs one consistent view over
    several statements takes a transaction instead.
    """
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        yield conn


@asynccontextmanager
async def transaction(
    sessions: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """A session inside one transaction: committed on success, rolled back on error."""
    async with sessions() as session, session.begin():
        yield session


async def ping(engine: AsyncEngine) -> None:
    """Raise unless the database answers."""
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


async def drop_schema(settings: ServiceSettings, schema: str | None = None) -> None:
    """Drop a schema and everything in it (tests and benchmarks clean up with this)."""
    engine = create_async_engine(settings.database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text(f'DROP SCHEMA IF EXISTS "{schema or settings.db_schema}" CASCADE')
            )
    finally:
        await engine.dispose()
