"""What an article or comment event changes in the live state, as Redis commands.

Commands are plain lists ``[command, key without prefix, args...]`` so the same function
serves live consumption, restores and rebuilds, and the script applies them atomically
together with the event's applied-marker.
"""

from __future__ import annotations

from typing import Any

import orjson

from analytics.domain.buckets import WIDTH, Granularity, bucket_index, expires_at
from common.events import Envelope
from common.events.articles import (
    ArticleArchived,
    ArticleDeleted,
    ArticleFavourited,
    ArticlePublished,
    ArticleRecommended,
    ArticleUnpublished,
    ArticleUpdated,
)
from common.events.comments import CommentApproved

Op = list[Any]
HIDING = (ArticleUnpublished, ArticleArchived, ArticleDeleted)


def signal_ops(signal: str, *, article_id: int, delta: int, at: float) -> list[Op]:
    """Count ``delta`` of a ranking signal for an article at a moment."""
    aid = str(article_id)
    ops: list[Op] = [["HINCRBY", f"a:{signal}", aid, delta], ["SADD", "dirty:a", aid]]
    granularity: Granularity
    for granularity in WIDTH:
        index = bucket_index(at, granularity)
        key = f"z:{signal}:{granularity}:{index}"
        ops += [
            ["ZINCRBY", key, delta, aid],
            ["EXPIREAT", key, expires_at(index, granularity)],
            ["SADD", "dirty:k", key],
        ]
    return ops


def _listing_ops(
    event: ArticlePublished | ArticleUpdated, previous_path: list[int], *, listed: bool
) -> list[Op]:
    aid = str(event.article_id)
    path = event.section_path or [event.section_id]
    meta = {
        "title": event.title,
        "slug": event.slug,
        "section_id": event.section_id,
        "section_path": path,
        "published_at": event.published_at.isoformat() if event.published_at else None,
    }
    ops: list[Op] = [
        ["HSET", "a:meta", aid, meta_json(meta).decode()],
        ["HSET", "a:sec", aid, event.section_id],
        ["SREM" if listed else "SADD", "hidden", aid],
        ["SADD", "dirty:a", aid],
    ]
    for depth, section in enumerate(path):
        ops.append(["HSET", "sections", section, orjson.dumps(path[: depth + 1]).decode()])
        ops.append(["SADD", f"secart:{section}", aid])
    ops += [["SREM", f"secart:{s}", aid] for s in previous_path if s not in path]
    return ops


def ops_for(envelope: Envelope, *, previous_path: list[int]) -> list[Op]:
    """The commands an event implies (none for events analytics does not use)."""
    try:
        event = envelope.payload()
    except LookupError:
        return []  # an event type this service does not know is not its business
    at = envelope.occurred_at.timestamp()
    if isinstance(event, ArticlePublished):
        return _listing_ops(event, previous_path, listed=True)
    if isinstance(event, ArticleUpdated):
        return _listing_ops(event, previous_path, listed=event.status == "published")
    if isinstance(event, HIDING):
        aid = str(event.article_id)
        return [["SADD", "hidden", aid], ["SADD", "dirty:a", aid]]
    if isinstance(event, ArticleFavourited):
        delta = 1 if event.active else -1
        return signal_ops("favourites", article_id=event.article_id, delta=delta, at=at)
    if isinstance(event, ArticleRecommended):
        return signal_ops("recommends", article_id=event.article_id, delta=1, at=at)
    if isinstance(event, CommentApproved):
        return signal_ops("comments", article_id=event.article_id, delta=1, at=at)
    return []


def meta_json(meta: dict[str, Any]) -> bytes:
    """The stored form of an article's meta (sorted keys: Postgres JSONB reorders them)."""
    return orjson.dumps(meta, option=orjson.OPT_SORT_KEYS)


def previous_path_of(meta: bytes | None) -> list[int]:
    """The section path stored with an article's meta (empty if none)."""
    if not meta:
        return []
    path = orjson.loads(meta).get("section_path") or []
    return [int(s) for s in path]
