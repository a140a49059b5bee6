"""Related lists reused for a few seconds, dropped by this process's own changes."""

from __future__ import annotations

import pytest

from articles.adapters import store
from articles.domain.related import RecentRelated, RelatedArticle


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Scorer:
    """Counts how often the list had to be computed."""

    def __init__(self) -> None:
        self.runs = 0

    async def __call__(self) -> list[RelatedArticle]:
        self.runs += 1
        return []


async def test_a_list_is_reused_while_fresh_then_computed_again() -> None:
    clock, scorer = Clock(), Scorer()
    recent = RecentRelated(fresh_seconds=10, clock=clock)
    await recent.get(1, 5, scorer)
    await recent.get(1, 5, scorer)
    assert scorer.runs == 1
    await recent.get(1, 6, scorer)  # another limit is another list
    assert scorer.runs == 2
    clock.now += 10.5
    await recent.get(1, 5, scorer)
    assert scorer.runs == 3, "never older than fresh_seconds"


async def test_a_recorded_change_makes_every_kept_list_stale(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scorer = Scorer()
    recent = RecentRelated(fresh_seconds=10, clock=Clock())
    await recent.get(1, 5, scorer)
    monkeypatch.setattr(store, "_changes_written", store.changes_written() + 1)  # an emit
    await recent.get(1, 5, scorer)
    assert scorer.runs == 2
    await recent.get(1, 5, scorer)
    assert scorer.runs == 2
