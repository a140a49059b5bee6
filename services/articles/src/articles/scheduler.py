"""The scheduler worker: publishes due scheduled articles; any number of copies may run."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from articles.domain.publishing import publish_due_articles
from common.db import transaction

log = logging.getLogger(__name__)


class Scheduler:
    """Every ``interval`` seconds, publish what is due (rows are claimed with SKIP LOCKED)."""

    def __init__(
        self, *, sessions: async_sessionmaker[AsyncSession], interval: float, batch: int = 100
    ) -> None:
        self._sessions = sessions
        self._interval = interval
        self._batch = batch
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        """Finish the batch in hand, then return from :meth:`run`."""
        self._stopping.set()

    async def tick(self) -> list[int]:
        """Publish every due article now (in batches); returns their ids."""
        published: list[int] = []
        while True:
            async with transaction(self._sessions) as session:
                batch = await publish_due_articles(session, limit=self._batch)
            published += batch
            if len(batch) < self._batch:
                return published

    async def run(self) -> None:
        """Tick until stopped; database trouble is logged and retried."""
        while not self._stopping.is_set():
            try:
                done = await self.tick()
            except (SQLAlchemyError, OSError) as exc:
                log.warning("scheduler tick failed, will retry: %r", exc)
            else:
                if done:
                    log.info("published %d scheduled article(s): %s", len(done), done)
            try:
                await asyncio.wait_for(self._stopping.wait(), self._interval)
            except TimeoutError:
                pass
