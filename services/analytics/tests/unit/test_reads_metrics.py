"""The reads sampler on a fake read model: today's totals by kind, hot-list newcomers."""

from __future__ import annotations

from typing import Any

from analytics.domain.buckets import hot_windows
from analytics.reads_metrics import HOT_ENTRIES, READS_TODAY, reads_sampler


class FakeModel:
    """The read model calls the sampler makes, answered from fixed data."""

    def __init__(self) -> None:
        self.day: dict[str, int] = {}
        self.hot: list[tuple[int, float]] = []

    async def site_buckets(self, granularity: str, indexes: list[int]) -> list[dict[str, int]]:
        return [self.day for _ in indexes]

    async def hot_key(self, window: Any, now: float, cache_seconds: float) -> str:
        return "hot"

    async def ranked(self, key: str, limit: int) -> list[tuple[int, float, dict[str, Any]]]:
        return [(a, score, {}) for a, score in self.hot[:limit]]

    @property
    def keys(self) -> FakeKeys:
        return FakeKeys()


class FakeKeys:
    """The one key name the sampler's hot list asks for."""

    def hot_cache(self, window: str, section: int | None) -> str:
        return "hot"


async def test_totals_by_kind_and_newcomers_to_the_top_ten() -> None:
    model = FakeModel()
    sample = reads_sampler(
        model=model, window=hot_windows(tau_1h=1, tau_24h=1, tau_7d=1)["1h"], cache_seconds=0
    )  # type: ignore[arg-type] # the fake stands in
    entries = HOT_ENTRIES._value.get()
    model.day = {"reads": 120, "bots": 30, "dups": 7}
    model.hot = [(a, 10.0 - a) for a in range(1, 11)]
    await sample()
    assert READS_TODAY.labels(kind="counted")._value.get() == 120
    assert READS_TODAY.labels(kind="bot")._value.get() == 30
    assert READS_TODAY.labels(kind="repeat")._value.get() == 7
    assert HOT_ENTRIES._value.get() == entries, "the first sample has nothing to compare with"
    model.hot = [(a, 10.0) for a in (1, 2, 3, 4, 5, 6, 7, 8, 11, 12)]  # two newcomers
    await sample()
    assert HOT_ENTRIES._value.get() == entries + 2
    model.hot = [(a, 10.0) for a in (12, 11, 1, 2, 3, 4, 5, 6, 7, 8)]  # reordered only
    await sample()
    assert HOT_ENTRIES._value.get() == entries + 2
