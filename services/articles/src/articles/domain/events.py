"""Event payloads built from articles and the section tree (inheritance already applied)."""

from __future__ import annotations

from typing import Any

from articles.domain.records import Article
from articles.domain.sections import SectionTree
from common.events.articles import SectionSettingsChanged


def snapshot(article: Article, tree: SectionTree) -> dict[str, Any]:
    """The fields every article snapshot event carries."""
    content = article.content
    return {
        "article_id": article.id,
        "section_id": article.section_id,
        "section_path": [s.id for s in tree.path(article.section_id)],
        "title": content.title,
        "slug": article.slug,
        "summary": content.summary,
        "tags": list(content.tags),
        "author": content.author,
        "source": content.source,
        "published_at": article.published_at,
        "comments": tree.effective(article.section_id),
    }


def settings_changed(tree: SectionTree, section_id: int) -> SectionSettingsChanged:
    """Effective comment settings of a section and of every section below it."""
    return SectionSettingsChanged(
        section_id=section_id,
        sections=[tree.effective(i) for i in tree.subtree_ids(section_id)],
    )


def article_key(article_id: int) -> str:
    """Kafka key of an article's events: one article's events stay in order."""
    return str(article_id)


def section_key(section_id: int) -> str:
    """Kafka key of a section's events."""
    return f"section-{section_id}"
