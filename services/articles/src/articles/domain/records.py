"""Articles as the domain sees them (read from the table, never the table row itself)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from articles.domain.content import ArticleContent


@dataclass(frozen=True, slots=True)
class Article:
    """One article with its workflow state and counters."""

    id: int
    section_id: int
    status: str
    slug: str
    content: ArticleContent
    body_text: str
    keywords: tuple[str, ...]
    revision: int
    favourite_count: int
    recommend_count: int
    scheduled_at: datetime | None
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> Article:
        """Build from a row of the articles table."""
        return cls(
            id=row.id,
            section_id=row.section_id,
            status=row.status,
            slug=row.slug,
            content=ArticleContent(
                title=row.title,
                body_html=row.body_html,
                subtitle=row.subtitle,
                summary=row.summary,
                source=row.source,
                author=row.author,
                tags=tuple(row.tags),
                cover_image_url=row.cover_image_url,
            ),
            body_text=row.body_text,
            keywords=tuple(row.keywords),
            revision=row.revision,
            favourite_count=row.favourite_count,
            recommend_count=row.recommend_count,
            scheduled_at=row.scheduled_at,
            published_at=row.published_at,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


@dataclass(frozen=True, slots=True)
class Neighbour:
    """The previous or next article in a section."""

    id: int
    slug: str
    title: str
    published_at: datetime


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a keyset-paginated list."""

    items: list[Article]
    next_cursor: str | None
    total: int | None = None
