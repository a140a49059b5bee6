"""Events produced by the articles service (topic ``articles.events``, keyed by article id)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from common.events.envelope import ARTICLES_TOPIC, EventData, register

CommentPolicy = Literal["pre", "first", "post"]
"""pre: every comment is reviewed; first: a user's first comment only; post: published at once."""


class SectionCommentSettings(BaseModel):
    """The comment settings in force for one section, inheritance already applied."""

    model_config = ConfigDict(frozen=True)

    section_id: int
    comment_policy: CommentPolicy = "pre"
    comments_open: bool = True
    comment_max_length: int = 250


class _ArticleEvent(EventData):
    topic: ClassVar[str] = ARTICLES_TOPIC
    article_id: int
    section_id: int


class _ArticleSnapshot(_ArticleEvent):
    section_path: list[int]  # root first, ending with section_id
    title: str
    slug: str
    summary: str = ""
    tags: list[str] = Field(default_factory=list)
    author: str = ""
    source: str = ""
    published_at: datetime | None = None
    comments: SectionCommentSettings


@register
class ArticlePublished(_ArticleSnapshot):
    """An article became visible to readers."""

    event_type: ClassVar[str] = "article.published"


@register
class ArticleUpdated(_ArticleSnapshot):
    """A published article's content or settings changed."""

    event_type: ClassVar[str] = "article.updated"
    status: str = "published"


@register
class ArticleUnpublished(_ArticleEvent):
    """A published article was taken back to draft."""

    event_type: ClassVar[str] = "article.unpublished"


@register
class ArticleArchived(_ArticleEvent):
    """An article was archived: still readable by link, out of lists and rankings."""

    event_type: ClassVar[str] = "article.archived"


@register
class ArticleDeleted(_ArticleEvent):
    """An article was deleted."""

    event_type: ClassVar[str] = "article.deleted"


@register
class ArticleFavourited(_ArticleEvent):
    """A logged-in reader added (or removed, ``active=False``) a favourite."""

    event_type: ClassVar[str] = "article.favourited"
    user_id: int
    active: bool = True


@register
class ArticleRecommended(_ArticleEvent):
    """A reader recommended an article (counted once per user or visitor)."""

    event_type: ClassVar[str] = "article.recommended"
    user_id: int | None = None
    visitor: str | None = None


@register
class SectionSettingsChanged(EventData):
    """Comment settings changed for a section and, through inheritance, its subtree."""

    event_type: ClassVar[str] = "section.settings_changed"
    topic: ClassVar[str] = ARTICLES_TOPIC
    section_id: int
    sections: list[SectionCommentSettings]  # every section whose effective settings apply
