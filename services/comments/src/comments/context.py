"""The process's shared clients, created once in the lifespan and handed to the domain."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from comments.adapters.signals import SubmissionSignals
from comments.adapters.wordstore import WordListStore
from comments.domain.model import TrustRules
from comments.settings import Settings
from common.db import create_engine, session_factory
from common.redis import create_redis


@dataclass(slots=True)
class CommentsContext:
    """Database, Redis and the per-process word matcher."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    redis: Redis
    signals: SubmissionSignals
    words: WordListStore

    @property
    def trust_rules(self) -> TrustRules:
        """Trust thresholds from the settings."""
        s = self.settings
        return TrustRules(
            min_approved=s.trust_min_approved,
            max_rejection_rate=s.trust_max_rejection_rate,
            review_min_decided=s.review_min_decided,
            review_rejection_rate=s.review_rejection_rate,
        )

    @classmethod
    def create(cls, settings: Settings) -> CommentsContext:
        """Clients for ``settings``; call :meth:`close` when done."""
        engine = create_engine(settings)
        sessions = session_factory(engine)
        redis = create_redis(settings.redis_url, cluster_nodes=settings.redis_cluster_nodes)
        return cls(
            settings=settings,
            engine=engine,
            sessions=sessions,
            redis=redis,
            signals=SubmissionSignals(redis, settings),
            words=WordListStore(sessions=sessions, redis=redis, prefix=settings.redis_prefix),
        )

    async def close(self) -> None:
        """Release the clients."""
        await self.redis.aclose()
        await self.engine.dispose()
