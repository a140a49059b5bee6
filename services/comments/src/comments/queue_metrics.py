"""Moderation queue gauges for alerts and dashboards, kept current by the probe loop."""

from __future__ import annotations

from prometheus_client import Gauge

from comments.context import CommentsContext
from comments.domain.desk import desk_stats
from common.probes import Sampler

PENDING = Gauge("comments_moderation_pending", "Comments waiting for a moderator's decision")
OLDEST_WAIT = Gauge(
    "comments_moderation_oldest_wait_seconds",
    "How long the oldest waiting comment has waited (0 when the queue is empty)",
)
CLAIMED = Gauge("comments_moderation_claimed", "Waiting comments a moderator has claimed")


def queue_sampler(ctx: CommentsContext) -> Sampler:
    """Reads the queue's size and age from the database into the gauges."""

    async def sample() -> None:
        stats = await desk_stats(ctx=ctx)
        PENDING.set(stats["pending"])
        OLDEST_WAIT.set(stats["oldest_age_seconds"] or 0.0)
        CLAIMED.set(stats["claimed"])

    return sample
