"""Which cached responses a change event makes stale, and the consumer that drops them."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from common.events import ARTICLES_TOPIC, COMMENTS_TOPIC
from common.kafka.consumer import ConsumedEvent
from gateway.cache.store import ResponseCache

log = logging.getLogger(__name__)
TOPICS = (ARTICLES_TOPIC, COMMENTS_TOPIC)

# tags carried by cached entries
LISTS = "lists"  # home, section lists, search, latest: anything listing articles
SECTIONS = "sections"
LATEST_COMMENTS = "comments:latest"


def article_tag(article_id: object) -> str:
    """Entries showing one article (its page, its JSON, its counts)."""
    return f"article:{article_id}"


def comments_tag(article_id: object) -> str:
    """Entries showing one article's comments."""
    return f"comments:{article_id}"


def section_tag(section_id: object) -> str:
    """Entries listing one section."""
    return f"section:{section_id}"


def _article_tags(data: dict[str, object]) -> set[str]:
    tags = {article_tag(data.get("article_id")), LISTS}
    path = data.get("section_path")
    sections: Iterable[object] = path if isinstance(path, list) else [data.get("section_id")]
    tags.update(section_tag(s) for s in sections)
    return tags


def tags_for(event_type: str, data: dict[str, object]) -> set[str]:
    """The tags an event invalidates (empty when nothing readers see changed)."""
    if event_type in {"article.favourited", "article.recommended"}:
        return {article_tag(data.get("article_id"))}
    if event_type == "section.settings_changed":
        return {SECTIONS, LISTS}
    if event_type.startswith("article."):
        return _article_tags(data)
    visible_change = event_type in {"comment.approved", "comment.liked"} or (
        event_type in {"comment.rejected", "comment.deleted"} and bool(data.get("was_visible"))
    )
    if event_type.startswith("comment.") and visible_change:
        article_id = data.get("article_id")
        return {comments_tag(article_id), article_tag(article_id), LATEST_COMMENTS}
    return set()


class CacheInvalidator:
    """Consumes change events and drops the cached responses they affect."""

    def __init__(self, cache: ResponseCache) -> None:
        self._cache = cache

    async def handle_batch(self, events: list[ConsumedEvent]) -> None:
        """Drop the union of the batch's tags at once."""
        tags: set[str] = set()
        for event in events:
            tags |= tags_for(event.envelope.event_type, event.envelope.data)
        if tags:
            dropped = await self._cache.invalidate(tags)
            log.debug("invalidated %d entries for %s", dropped, sorted(tags))
