"""Where each public API path goes, and how long its public answers may be cached.

Destinations are fixed here and in settings; a request only ever chooses a path on one
of them, and only a path made of plain segments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from common.errors import InvalidInputError, NotFoundError
from gateway.cache.invalidation import (
    LATEST_COMMENTS,
    LISTS,
    SECTIONS,
    article_tag,
    comments_tag,
    section_tag,
)

SEGMENT = re.compile(r"^[A-Za-z0-9_~-][A-Za-z0-9._~-]*$")
ROUTES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^/api/v1/articles/\d+/comments$"), "comments"),
    (re.compile(r"^/api/v1/(comments|moderation)(/.*)?$"), "comments"),
    (re.compile(r"^/api/v1/(hot|reads|stats)(/.*)?$"), "analytics"),
    (
        re.compile(
            r"^/api/v1/(sections|articles|favourites|search|editor|rss\.xml|sitemap\.xml)(/.*)?$"
        ),
        "articles",
    ),
)


@dataclass(frozen=True, slots=True)
class CachePolicy:
    """How long a public GET stays fresh, and which change events drop it."""

    fresh_for: float
    tags: tuple[str, ...] = ()


def checked_path(path: str) -> str:
    """The path if every segment is plain (no dot-segments, empties or odd characters)."""
    segments = path.split("/")[1:]
    if not path.startswith("/") or not all(SEGMENT.fullmatch(s) for s in segments):
        raise InvalidInputError("malformed path")
    return path


def upstream_for(path: str) -> str:
    """The name of the service answering a public API path; 404 for anything else."""
    checked_path(path)
    for pattern, upstream in ROUTES:
        if pattern.match(path):
            return upstream
    raise NotFoundError(f"no route for {path}")


_POLICIES: tuple[tuple[re.Pattern[str], float, tuple[str, ...]], ...] = (
    (re.compile(r"^/api/v1/articles/(\d+)/comments$"), 30, ("comments:{0}",)),
    (re.compile(r"^/api/v1/articles/(\d+)/related$"), 60, ("article:{0}", LISTS)),
    (re.compile(r"^/api/v1/articles/(\d+)$"), 30, ("article:{0}",)),
    (re.compile(r"^/api/v1/comments/latest$"), 15, (LATEST_COMMENTS,)),
    (re.compile(r"^/api/v1/sections/(\d+)/articles$"), 30, ("section:{0}", LISTS)),
    (re.compile(r"^/api/v1/sections(/\d+)?$"), 60, (SECTIONS,)),
    (re.compile(r"^/api/v1/(articles|search)$"), 30, (LISTS,)),
    (re.compile(r"^/api/v1/(sections/\d+/)?(rss|sitemap)\.xml$"), 60, (LISTS,)),
    (re.compile(r"^/api/v1/hot$"), 5, ()),
    (re.compile(r"^/api/v1/reads(/.*)?$"), 1, ()),
)


def cache_policy(path: str) -> CachePolicy | None:
    """The caching of a public GET path; None when it must never come from a shared cache."""
    for pattern, fresh, tags in _POLICIES:
        match = pattern.match(path)
        if match:
            return CachePolicy(fresh, tuple(t.format(*match.groups()) for t in tags))
    return None


__all__ = [
    "CachePolicy",
    "article_tag",
    "cache_policy",
    "checked_path",
    "comments_tag",
    "section_tag",
    "upstream_for",
]
