"""Dependencies shared by the routers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from articles.domain.related import RecentRelated
from articles.settings import Settings
from common.db import reading, transaction


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

    def reading(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """A bare autocommit connection for reads (:func:`common.db.reading`)."""
        return reading(self._engine)


# async: a plain ``def`` dependency would run in a worker thread (a thread hop per request)
async def _database(request: Request) -> Database:
    return Database(request.app.state.sessions, request.app.state.engine)


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _recent_related(request: Request) -> RecentRelated:
    recent: RecentRelated = request.app.state.recent_related
    return recent


DatabaseDep = Annotated[Database, Depends(_database)]
RecentRelatedDep = Annotated[RecentRelated, Depends(_recent_related)]
SettingsDep = Annotated[Settings, Depends(_settings)]
