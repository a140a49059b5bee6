"""Assembling the article from the three services, concurrently, each part with a deadline.

The article itself is required; every other part is optional: when its service is down,
slow or its circuit is open, the part is marked unavailable and the rest still renders.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any

from common.errors import NotFoundError
from gateway.cache.invalidation import LATEST_COMMENTS, LISTS, article_tag, comments_tag
from gateway.context import Gateway
from gateway.domain.errors import UpstreamUnavailableError
from gateway.fetch import Caller, get_json

log = logging.getLogger(__name__)
COMMENTS_PER_PAGE = 20


@dataclass(slots=True)
class ArticleBundle:
    """An article with what its page shows around it; missing parts are listed."""

    article: dict[str, Any]
    reads: int | None = None
    comment_count: int | None = None
    comments: list[dict[str, Any]] | None = None
    hot: list[dict[str, Any]] | None = None
    related: list[dict[str, Any]] | None = None
    latest_comments: list[dict[str, Any]] | None = None
    unavailable: list[str] = field(default_factory=list)

    def api_json(self) -> dict[str, Any]:
        """The aggregated API answer: article + read count + comment count + unavailable."""
        return {
            **self.article,
            "reads": self.reads,
            "comment_count": self.comment_count,
            "unavailable": self.unavailable,
        }


async def _part(name: str, work: Awaitable[Any], limit: float, missing: list[str]) -> Any:
    try:
        return await asyncio.wait_for(work, limit)
    except (TimeoutError, UpstreamUnavailableError, ValueError) as exc:
        log.info("part %s unavailable: %r", name, exc)
        missing.append(name)
        return None


def _items(payload: Any) -> list[dict[str, Any]] | None:
    items = payload.get("items") if isinstance(payload, dict) else payload
    return list(items) if isinstance(items, list) else None


def thread(comments: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    """Replies nested under their parents (oldest first); orphans stay at the top level."""
    if comments is None or any("replies" in c for c in comments):
        return comments
    nodes = {c.get("id"): {**c, "replies": []} for c in comments}
    top: list[dict[str, Any]] = []
    for node in nodes.values():
        parent = nodes.get(node.get("parent_id"))
        (parent["replies"] if parent is not None else top).append(node)
    return top


def _reads(payload: Any, article_id: int) -> int | None:
    for item in _items(payload) or []:
        if item.get("article_id") == article_id:
            return int(item.get("reads", 0))
    return None if payload is None else 0


def _total(payload: Any) -> int | None:
    if isinstance(payload, dict):
        for name in ("total", "count", "approved_count"):
            if isinstance(payload.get(name), int):
                return int(payload[name])
        items = _items(payload)
        return len(items) if items is not None else None
    return None


async def assemble_article(
    gw: Gateway, *, article_id: int, caller: Caller, full_page: bool
) -> ArticleBundle:
    """The article and its parts; 404 when the article does not exist (or is not public)."""
    public = caller.anonymous()
    timeout = gw.settings.part_timeout
    missing: list[str] = []
    ids = str(article_id)
    # a logged-in caller's article comes with their own state (favourited), never shared
    article_task = get_json(
        gw, "articles", f"/api/v1/articles/{ids}", caller=caller, tags=(article_tag(ids),)
    )
    parts: dict[str, Awaitable[Any]] = {
        "reads": get_json(
            gw,
            "analytics",
            "/api/v1/reads",
            caller=public,
            params=[("ids", ids)],
            fresh_for=1.0,
        ),
        "comments": get_json(
            gw,
            "comments",
            f"/api/v1/articles/{ids}/comments",
            caller=public,
            params=[("limit", str(COMMENTS_PER_PAGE))],
            tags=(comments_tag(ids),),
        ),
    }
    if full_page:
        parts |= _page_parts(gw, ids, public)
    names = list(parts)
    results = await asyncio.gather(
        article_task, *(_part(n, parts[n], timeout, missing) for n in names)
    )
    article, found = results[0], dict(zip(names, results[1:], strict=True))
    if not isinstance(article, dict):
        raise NotFoundError(f"no article {article_id}")
    return ArticleBundle(
        article=article,
        reads=_reads(found["reads"], article_id),
        comment_count=_total(found["comments"]),
        comments=thread(_items(found["comments"])),
        hot=_items(found.get("hot")),
        related=_items(found.get("related")),
        latest_comments=_items(found.get("latest_comments")),
        unavailable=sorted(missing),
    )


def _page_parts(gw: Gateway, ids: str, public: Caller) -> dict[str, Awaitable[Any]]:
    return {
        "hot": get_json(
            gw,
            "analytics",
            "/api/v1/hot",
            caller=public,
            params=[("window", "24h"), ("limit", "10")],
            fresh_for=5.0,
        ),
        "related": get_json(
            gw,
            "articles",
            f"/api/v1/articles/{ids}/related",
            caller=public,
            tags=(article_tag(ids), LISTS),
        ),
        "latest_comments": get_json(
            gw,
            "comments",
            "/api/v1/comments/latest",
            caller=public,
            params=[("limit", "10")],
            fresh_for=15.0,
            tags=(LATEST_COMMENTS,),
        ),
    }
