"""Word lists in Postgres, one matcher per process, rebuilt when the shared version moves."""

from __future__ import annotations

import asyncio
import logging

from redis.asyncio import Redis
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from comments.adapters.signals import words_version_key
from comments.adapters.tables import word_entries, word_list_version
from comments.domain.wordlist import WordListName, WordMatcher

log = logging.getLogger(__name__)
# raise the version only: an edit announcing late must not hide a newer one
_SET_MAX = """
local current = redis.call('GET', KEYS[1])
if not current or tonumber(current) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1])
end
return 1
"""


class WordListStore:
    """Keeps this process's matcher at the newest word-list version.

    Every edit bumps a counter in Postgres (in the edit's transaction) and then copies it
    to Redis; each submission reads the Redis value in its pipelined round trip, and a
    copy whose matcher is older reloads from Postgres. No restart, no per-request query.
    """

    def __init__(self, *, sessions: async_sessionmaker[AsyncSession], redis: Redis, prefix: str):
        self._sessions = sessions
        self._redis = redis
        self._key = words_version_key(prefix)
        self._matcher = WordMatcher()
        self._lock = asyncio.Lock()

    @property
    def matcher(self) -> WordMatcher:
        """The matcher in hand (possibly not yet loaded)."""
        return self._matcher

    async def current(self, announced: int | None) -> WordMatcher:
        """The matcher for at least the ``announced`` version (None: Redis forgot it)."""
        if announced is not None and announced <= self._matcher.version:
            return self._matcher
        async with self._lock:
            if announced is None or announced > self._matcher.version:
                await self._reload(announce=announced is None)
        return self._matcher

    async def _reload(self, *, announce: bool) -> None:
        async with self._sessions() as session:
            version = int(await session.scalar(select(word_list_version.c.version)) or 0)
            if version != self._matcher.version:
                rows = (
                    await session.execute(select(word_entries.c.list, word_entries.c.normalized))
                ).all()
                entries: list[tuple[WordListName, str]] = [(r.list, r.normalized) for r in rows]
                self._matcher = WordMatcher.build(entries, version=version)
                log.info("word lists at version %d: %d entries", version, len(entries))
        if announce:
            await self._redis.set(self._key, version, nx=True)

    async def announce(self, version: int) -> None:
        """Tell every copy a new version exists (after the edit committed)."""
        await self._redis.eval(_SET_MAX, 1, self._key, str(version))


async def bump_version(session: AsyncSession) -> int:
    """Advance the word-list version inside an edit's transaction."""
    version = await session.scalar(
        update(word_list_version)
        .where(word_list_version.c.id == 1)
        .values(version=word_list_version.c.version + 1)
        .returning(word_list_version.c.version)
    )
    return int(version or 0)
