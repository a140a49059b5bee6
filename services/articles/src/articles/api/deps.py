"""Dependencies shared by the routers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from articles.settings import Settings
from common.db import transaction


class Database:
    """Opens one transaction per use; the route decides where it begins and ends."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], engine: AsyncEngine) -> None:
        self._sessions = sessions
        self._engine = engine

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session committed when the block ends without error."""
        async with transaction(self._sessions) as session:
            yield session

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """A session for reads only, in autocommit: no BEGIN/COMMIT round trips.

        Each statement sees its own snapshot, so a read that needs one consistent view
        over several statements takes :meth:`transaction` instead.
        """
        async with self._engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            async with AsyncSession(bind=conn) as session:
                yield session


def _database(request: Request) -> Database:
    return Database(request.app.state.sessions, request.app.state.engine)


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


DatabaseDep = Annotated[Database, Depends(_database)]
SettingsDep = Annotated[Settings, Depends(_settings)]
