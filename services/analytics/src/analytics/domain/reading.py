"""The read side: counts, article statistics, hot lists and their explanation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from analytics.adapters.keys import UNRANKED
from analytics.adapters.read_model import ReadModel
from analytics.domain.buckets import (
    SIGNALS,
    WIDTH,
    Granularity,
    HotWindow,
    WindowName,
    bucket_index,
    bucket_start,
)
from common.errors import InvalidInputError

MAX_IDS = 500
FORMULA = (
    "score = sum over the window's buckets b of exp(-age(b)/tau) * "
    "(w_reads*(reads(b) - same_address_reads(b)) + w_comments*comments(b) + "
    "w_favourites*favourites(b) + w_recommends*recommends(b)); age(b) = now - middle of b "
    "(0 for the current bucket); same_address_reads: an address's counted reads of the "
    "article after its first in a dedup window"
)


@dataclass(frozen=True, slots=True)
class HotEntry:
    """One article in a hot list."""

    rank: int
    article_id: int
    score: float
    title: str | None
    section_id: int | None
    published_at: str | None = None  # ISO time, from the article's events


def parse_ids(raw: str) -> list[int]:
    """Comma-separated positive article ids, de-duplicated in first-seen order."""
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    if not parts:
        raise InvalidInputError("ids: give at least one article id, e.g. ids=1,2,3")
    if len(parts) > MAX_IDS:
        raise InvalidInputError(f"ids: at most {MAX_IDS} ids per call")
    if not all(p.isascii() and p.isdigit() and len(p) <= 15 for p in parts):
        raise InvalidInputError("ids: article ids are positive integers separated by commas")
    ids = [int(p) for p in parts]
    if 0 in ids:
        raise InvalidInputError("ids: article ids are positive integers")
    return list(dict.fromkeys(ids))


async def reads_of(*, model: ReadModel, raw_ids: str) -> list[dict[str, int]]:
    """Reads and unique visitors of many articles."""
    rows = await model.reads(parse_ids(raw_ids))
    return [{"article_id": a, "reads": r, "unique_visitors": u} for a, r, u in rows]


async def _series(
    model: ReadModel, article_id: int, granularity: Granularity, count: int, now: float
) -> list[dict[str, Any]]:
    newest = bucket_index(now, granularity)
    indexes = list(range(newest - count + 1, newest + 1))
    counts = await model.bucket_counts("reads", granularity, indexes, article_id)
    return [
        {"start": bucket_start(i, granularity), "reads": c}
        for i, c in zip(indexes, counts, strict=True)
    ]


async def article_stats(*, model: ReadModel, article_id: int, now: float) -> dict[str, Any]:
    """Everything counted about one article."""
    found = await model.article(article_id)
    meta = found.pop("meta")
    return {
        "article_id": article_id,
        "reads": found["reads"],
        "unique_visitors": found["unique_visitors"],
        "bot_reads": found["bots"],
        "duplicate_reads": found["dups"],
        "comments": found["comments"],
        "favourites": found["favourites"],
        "recommends": found["recommends"],
        "section_id": meta.get("section_id"),
        "section_path": meta.get("section_path") or [],
        "title": meta.get("title"),
        "listed": not found["hidden"],
        "reads_by_minute": await _series(model, article_id, "m", 60, now),
        "reads_by_hour": await _series(model, article_id, "h", 24, now),
        "reads_by_day": await _series(model, article_id, "d", 30, now),
    }


def pick_window(windows: dict[WindowName, HotWindow], name: str) -> HotWindow:
    """The window called ``name``."""
    if name not in windows:
        raise InvalidInputError(f"window: one of {', '.join(windows)}")
    return windows[name]


async def hot_list(
    *,
    model: ReadModel,
    window: HotWindow,
    section_id: int | None,
    limit: int,
    now: float,
    cache_seconds: float,
) -> list[HotEntry]:
    """The hottest listed articles of a window, overall or in a section's subtree.

    The scores are kept for ``cache_seconds``: while they are, a list is one round trip.
    """
    key = model.keys.hot_cache(window.name, section_id)
    found = await model.ranked(key, limit) if cache_seconds > 0 else None
    if found is None:
        overall = await model.hot_key(window, now, cache_seconds)
        if section_id is not None:
            await model.section_hot_key(window, section_id, overall, cache_seconds)
        found = await model.ranked(key, limit) or []  # nothing scored: no set is stored
    return [
        HotEntry(
            rank,
            aid,
            round(score, 4),
            meta.get("title"),
            meta.get("section_id"),
            meta.get("published_at"),
        )
        for rank, (aid, score, meta) in enumerate(found, start=1)
    ]


async def explain(
    *, model: ReadModel, window: HotWindow, article_id: int, now: float, cache_seconds: float
) -> dict[str, Any]:
    """How an article's score in a window is made up, bucket by bucket."""
    indexes = window.buckets(now)
    grid = await model.signal_grid(window, indexes, article_id)
    buckets: list[dict[str, Any]] = []
    for index, counts in zip(indexes, grid, strict=True):
        if not any(counts.values()):
            continue
        decay = window.decay(index, now)
        same_address = counts.pop(UNRANKED)
        weighted = sum(model.weights[s] * counts[s] for s in SIGNALS)
        weighted -= model.weights["reads"] * same_address
        buckets.append(
            {
                "start": bucket_start(index, window.granularity),
                "age_seconds": round(window.age(index, now), 1),
                "decay": round(decay, 6),
                **counts,
                "same_address_reads": same_address,
                "contribution": round(decay * weighted, 4),
            }
        )
    ranked = await hot_list(
        model=model, window=window, section_id=None, limit=100, now=now, cache_seconds=cache_seconds
    )
    rank = next((e.rank for e in ranked if e.article_id == article_id), None)
    found = await model.article(article_id)
    return {
        "article_id": article_id,
        "window": window.name,
        "score": round(sum(b["contribution"] for b in buckets), 4),
        "rank": rank,
        "listed": not found["hidden"],
        "formula": FORMULA,
        "tau_seconds": window.tau_seconds,
        "bucket_seconds": WIDTH[window.granularity],
        "weights": dict(model.weights),
        "buckets": buckets,
    }


async def section_totals(*, model: ReadModel) -> list[dict[str, Any]]:
    """Reads per section, each including its subsections."""
    paths, direct = await model.sections()
    totals = dict.fromkeys(set(paths) | set(direct), 0)
    for section, reads in direct.items():
        for ancestor in paths.get(section, [section]):
            totals[ancestor] = totals.get(ancestor, 0) + reads
    return [
        {
            "section_id": s,
            "path": paths.get(s, [s]),
            "reads": totals[s],
            "direct_reads": direct.get(s, 0),
        }
        for s in sorted(totals)
    ]
