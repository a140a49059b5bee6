"""Live statistics for operators."""

from __future__ import annotations

from typing import Any

from analytics.adapters.kafka_log import PartitionLag
from analytics.adapters.read_model import ReadModel
from analytics.domain.buckets import bucket_index, bucket_start
from analytics.domain.reading import HotEntry


def _share(bots: int, reads: int) -> float:
    return round(bots / (bots + reads), 4) if bots + reads else 0.0


async def overview(
    *,
    model: ReadModel,
    minutes: int,
    now: float,
    top: list[HotEntry],
    lag: list[PartitionLag],
    lag_error: str | None,
) -> dict[str, Any]:
    """Reads per minute, today's totals, bot share, top articles and consumer lag."""
    newest = bucket_index(now, "m")
    indexes = list(range(newest - minutes + 1, newest + 1))
    per_minute = await model.site_buckets("m", indexes)
    today = bucket_index(now, "d")
    (day,) = await model.site_buckets("d", [today])
    window_reads = sum(m.get("reads", 0) for m in per_minute)
    window_bots = sum(m.get("bots", 0) for m in per_minute)
    return {
        "reads_per_minute": [
            {
                "start": bucket_start(i, "m"),
                "reads": m.get("reads", 0),
                "bot_reads": m.get("bots", 0),
                "duplicate_reads": m.get("dups", 0),
            }
            for i, m in zip(indexes, per_minute, strict=True)
        ],
        "reads_today": day.get("reads", 0),
        "bot_reads_today": day.get("bots", 0),
        "unique_visitors_today": await model.day_uniques(today),
        "bot_share_today": _share(day.get("bots", 0), day.get("reads", 0)),
        "bot_share_window": _share(window_bots, window_reads),
        "top_articles": top,
        "consumer_lag": [
            {
                "group": p.group,
                "topic": p.topic,
                "partition": p.partition,
                "end_offset": p.end_offset,
                "committed_offset": p.committed_offset,
                "lag": p.lag,
            }
            for p in lag
        ],
        "total_lag": sum(p.lag for p in lag),
        "lag_error": lag_error,
    }
