"""Consumer lag of the analytics groups, asked from Kafka at most every few seconds."""

from __future__ import annotations

import asyncio
import time

from aiokafka.errors import KafkaError

from analytics.adapters.kafka_log import PartitionLag, group_lag
from analytics.settings import Settings


class LagMonitor:
    """Caches the last answer so a busy dashboard does not hammer the broker."""

    def __init__(self, settings: Settings, *, timeout: float = 3.0) -> None:
        self._settings = settings
        self._timeout = timeout
        self._lock = asyncio.Lock()
        self._cached: tuple[float, list[PartitionLag], str | None] | None = None

    async def lag(self) -> tuple[list[PartitionLag], str | None]:
        """(lag per partition, error) — on error the list is empty and the error says why."""
        async with self._lock:
            now = time.monotonic()
            if self._cached and now - self._cached[0] < self._settings.lag_cache_seconds:
                return self._cached[1], self._cached[2]
            groups: dict[str, list[str]] = {}
            for topic, group in self._settings.topic_groups().items():
                groups.setdefault(group, []).append(topic)
            try:
                found = await asyncio.wait_for(group_lag(self._settings, groups), self._timeout)
                error = None
            except (KafkaError, OSError, TimeoutError) as exc:
                found, error = [], f"kafka unavailable: {type(exc).__name__}: {exc}"[:300]
            self._cached = (now, found, error)
            return found, error
