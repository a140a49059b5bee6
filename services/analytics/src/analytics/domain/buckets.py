"""Time buckets and hot windows: the arithmetic every counter and ranking shares."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

Granularity = Literal["m", "h", "d"]
WIDTH: dict[Granularity, int] = {"m": 60, "h": 3600, "d": 86400}
# how long a bucket lives after its start; restored and rebuilt states expire the same way
RETENTION: dict[Granularity, int] = {"m": 3 * 3600, "h": 8 * 86400, "d": 400 * 86400}
SIGNALS = ("reads", "comments", "favourites", "recommends")
Signal = Literal["reads", "comments", "favourites", "recommends"]
WindowName = Literal["1h", "24h", "7d"]


def bucket_index(epoch_seconds: float, granularity: Granularity) -> int:
    """The bucket (counted from the Unix epoch) that a moment falls in."""
    return math.floor(epoch_seconds / WIDTH[granularity])


def bucket_start(index: int, granularity: Granularity) -> datetime:
    """When a bucket begins."""
    return datetime.fromtimestamp(index * WIDTH[granularity], UTC)


def expires_at(index: int, granularity: Granularity) -> int:
    """The epoch second a bucket's keys expire (event time based, so replays agree)."""
    return index * WIDTH[granularity] + RETENTION[granularity]


@dataclass(frozen=True, slots=True)
class HotWindow:
    """A ranking window: which buckets it sums and how fast their weight decays."""

    name: WindowName
    span_seconds: int
    granularity: Granularity
    tau_seconds: float

    def buckets(self, now: float) -> list[int]:
        """Bucket indexes inside the window ending at ``now``, newest first (current included)."""
        width = WIDTH[self.granularity]
        newest = bucket_index(now, self.granularity)
        count = self.span_seconds // width + 1
        start = now - self.span_seconds
        return [newest - i for i in range(count) if (newest - i + 1) * width > start]

    def age(self, index: int, now: float) -> float:
        """Age of a bucket: from its midpoint to ``now``, never negative."""
        width = WIDTH[self.granularity]
        return max(0.0, now - (index * width + width / 2))

    def decay(self, index: int, now: float) -> float:
        """The weight e^(-age/tau) of a bucket's activity."""
        return math.exp(-self.age(index, now) / self.tau_seconds)


def hot_windows(*, tau_1h: float, tau_24h: float, tau_7d: float) -> dict[WindowName, HotWindow]:
    """The three windows with their configured decay constants."""
    return {
        "1h": HotWindow("1h", 3600, "m", tau_1h),
        "24h": HotWindow("24h", 86400, "h", tau_24h),
        "7d": HotWindow("7d", 7 * 86400, "h", tau_7d),
    }
