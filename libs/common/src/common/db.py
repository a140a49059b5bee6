"""Async SQLAlchemy engine and sessions bound to one service's own schema."""

from __future__ import annotations

import re
import weakref
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from sqlalchemy import ClauseElement, Engine, event, exc, text
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.sql.compiler import SQLCompiler

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

    The connection comes from the engine's own pool through an autocommit view of the
    engine, kept per engine: setting the level on each connection instead cost about
    28 us more per read.
    """
    autocommit = _AUTOCOMMIT.get(engine.sync_engine)
    if autocommit is None:
        autocommit = _AUTOCOMMIT[engine.sync_engine] = engine.execution_options(
            isolation_level="AUTOCOMMIT"
        )
    async with autocommit.connect() as conn:
        yield conn


_AUTOCOMMIT: weakref.WeakKeyDictionary[Engine, AsyncEngine] = weakref.WeakKeyDictionary()


class Row(asyncpg.Record):  # type: ignore[misc] # asyncpg's record type is untyped
    """A row as the driver returns it, its columns readable as attributes too (``row.id``)."""

    __slots__ = ()

    @property
    def _mapping(self) -> Row:
        """The row itself, already a mapping by column name (what SQLAlchemy's rows offer
        as ``_mapping``), so one ``from_row`` reads either kind."""
        return self

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


_DRIVER = asyncpg_dialect()  # type: ignore[no-untyped-call]
_PLACEHOLDER = re.compile(r"\$(\d+)")
# the driver's errors that mean the connection is gone, not that the statement was wrong
_CONNECTION_LOST = (asyncpg.exceptions.ConnectionDoesNotExistError, asyncpg.InterfaceError, OSError)


class Query:
    """A read statement compiled once into the driver's SQL and run on the driver itself.

    SQLAlchemy's ``execute`` cost about 250 us of CPU per statement beyond asyncpg's own
    (finding the compiled form, processing parameters and rows, the greenlet hops of its
    async layer): a counts read took 420 us through it and 170 us on the driver. The
    busiest reads are still written with SQLAlchemy (Core or ``text()``) and compiled
    when their module loads. Values written into the statement (``status == "approved"``)
    are bound on every call as they were compiled; named bind parameters without a value
    are the caller's. ``IN (...)`` lists expand per call and are refused: bind an array
    and compare with ``= ANY(...)``.

    Rows are asyncpg records (:class:`Row`); the driver decodes every column, JSON by the
    codec the engine set up. Run on a :func:`reading` connection only: it is in
    autocommit, so skipping SQLAlchemy skips no transaction.
    """

    __slots__ = ("_args", "sql")

    def __init__(self, statement: ClauseElement) -> None:
        compiled = statement.compile(dialect=_DRIVER)
        assert isinstance(compiled, SQLCompiler)  # noqa: S101 - a statement compiles to SQL
        if compiled.post_compile_params or compiled.literal_execute_params:
            raise ValueError(f"expanding parameters are computed per call: {compiled.string}")
        names = list(compiled.positiontup or ())
        numbers = {int(n) for n in _PLACEHOLDER.findall(compiled.string)}
        if numbers != set(range(1, len(names) + 1)):
            raise ValueError(f"parameters {names} do not match {compiled.string}")
        binds = compiled.binds  # by the names in positiontup
        self.sql = compiled.string
        # per placeholder: the caller's parameter name, or the value compiled into it
        self._args = [
            (name, None) if binds[name].required else (None, binds[name].value) for name in names
        ]

    def arguments(self, params: Mapping[str, Any]) -> list[Any]:
        """The driver's positional arguments for the caller's named parameters."""
        try:
            return [value if name is None else params[name] for name, value in self._args]
        except KeyError as missing:
            raise TypeError(f"no value for :{missing.args[0]} of {self.sql}") from None

    async def rows(self, conn: AsyncConnection, params: Mapping[str, Any] = {}) -> list[Row]:
        """Every row the statement returns."""
        args = self.arguments(params)
        driver: asyncpg.Connection = (await conn.get_raw_connection()).driver_connection
        try:
            rows: list[Row] = await driver.fetch(self.sql, *args, record_class=Row)
        except _CONNECTION_LOST as lost:  # a 503 like any statement whose connection was cut
            await conn.invalidate()
            raise exc.OperationalError(self.sql, args, lost, connection_invalidated=True) from lost
        return rows

    async def first(self, conn: AsyncConnection, params: Mapping[str, Any] = {}) -> Row | None:
        """The first row, or None."""
        rows = await self.rows(conn, params)
        return rows[0] if rows else None

    async def one(self, conn: AsyncConnection, params: Mapping[str, Any] = {}) -> Row:
        """The one row of a statement that always has one (an aggregate without GROUP BY)."""
        (row,) = await self.rows(conn, params)
        return row


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
