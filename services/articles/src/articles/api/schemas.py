"""Request and response bodies of the HTTP API (separate from the tables)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from common.events.articles import CommentPolicy
from common.ranges import AwareMoment, Int4, SectionId

ArticleStatus = Literal["draft", "scheduled", "published", "archived"]


class SectionRef(BaseModel):
    """A section as named in breadcrumbs and links."""

    id: int
    name: str
    slug: str


class CommentSettingsOut(BaseModel):
    """Comment settings in force for a section (inheritance applied)."""

    comment_policy: CommentPolicy
    comments_open: bool
    comment_max_length: int


class SectionOut(SectionRef):
    """A section with its own (possibly inherited, ``null``) and effective settings."""

    parent_id: int | None
    position: int
    description: str
    comment_policy: CommentPolicy | None
    comments_open: bool | None
    comment_max_length: int | None
    effective: CommentSettingsOut


class SectionNode(SectionOut):
    """A section in the tree, with its children in display order."""

    children: list[SectionNode]


class SectionDetail(SectionOut):
    """One section with its breadcrumbs (root first, ending with itself) and children."""

    breadcrumbs: list[SectionRef]
    children: list[SectionRef]


class SectionTreeOut(BaseModel):
    """Every section as a forest of root sections."""

    items: list[SectionNode]


class SectionCreate(BaseModel):
    """A new section."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=60)
    slug: str | None = Field(default=None, max_length=80)
    parent_id: SectionId | None = None
    position: Int4 = 0
    description: str = Field(default="", max_length=500)
    comment_policy: CommentPolicy | None = None
    comments_open: bool | None = None
    comment_max_length: int | None = Field(default=None, ge=1, le=2000)


class SectionUpdate(BaseModel):
    """Changes to a section; send ``null`` for a comment setting to inherit it again."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=60)
    slug: str | None = Field(default=None, max_length=80)
    parent_id: SectionId | None = None
    position: Int4 | None = None
    description: str | None = Field(default=None, max_length=500)
    comment_policy: CommentPolicy | None = None
    comments_open: bool | None = None
    comment_max_length: int | None = Field(default=None, ge=1, le=2000)


class ArticleSummary(BaseModel):
    """An article in a list."""

    id: int
    slug: str
    title: str
    subtitle: str
    summary: str
    section_id: int
    author: str
    source: str
    tags: list[str]
    cover_image_url: str
    status: ArticleStatus
    published_at: datetime | None
    updated_at: datetime
    favourite_count: int
    recommend_count: int


class NeighbourOut(BaseModel):
    """The previous (older) or next (newer) article in the same section."""

    id: int
    slug: str
    title: str
    published_at: datetime


class ArticleOut(ArticleSummary):
    """One article with everything its page shows."""

    body_html: str
    revision: int
    created_at: datetime
    scheduled_at: datetime | None
    section: SectionRef
    breadcrumbs: list[SectionRef]
    previous: NeighbourOut | None
    next: NeighbourOut | None
    comments: CommentSettingsOut
    favourited: bool | None = None  # null when the caller is anonymous


class ArticlePage(BaseModel):
    """A page of articles; pass ``next_cursor`` back as ``?cursor=`` for the next one."""

    items: list[ArticleSummary]
    next_cursor: str | None
    page: int | None = None
    total: int | None = None


class ArticleCreate(BaseModel):
    """A new article (created as a draft)."""

    model_config = ConfigDict(extra="forbid")

    section_id: SectionId
    title: str = Field(min_length=1, max_length=200)
    subtitle: str = Field(default="", max_length=200)
    summary: str = Field(default="", max_length=500)
    body_html: str = Field(default="", max_length=200_000)
    source: str = Field(default="", max_length=100)
    author: str = Field(default="", max_length=100)
    tags: list[str] = Field(default_factory=list, max_length=10)
    cover_image_url: str = Field(default="", max_length=500)


class ArticleUpdate(BaseModel):
    """Changes to an article; omitted fields stay as they are."""

    model_config = ConfigDict(extra="forbid")

    section_id: SectionId | None = None
    title: str | None = Field(default=None, min_length=1, max_length=200)
    subtitle: str | None = Field(default=None, max_length=200)
    summary: str | None = Field(default=None, max_length=500)
    body_html: str | None = Field(default=None, max_length=200_000)
    source: str | None = Field(default=None, max_length=100)
    author: str | None = Field(default=None, max_length=100)
    tags: list[str] | None = Field(default=None, max_length=10)
    cover_image_url: str | None = Field(default=None, max_length=500)


class ScheduleIn(BaseModel):
    """When a scheduled article goes live."""

    model_config = ConfigDict(extra="forbid")

    publish_at: AwareMoment


class RevisionOut(BaseModel):
    """One kept revision of an article."""

    revision: int
    section_id: int
    title: str
    subtitle: str
    summary: str
    body_html: str
    source: str
    author: str
    tags: list[str]
    cover_image_url: str
    note: str
    created_by: int | None
    created_at: datetime


class RevisionList(BaseModel):
    """Revisions, newest first."""

    items: list[RevisionOut]


class ReactionOut(BaseModel):
    """State after a favourite or recommend: ``changed`` is false for a repeat."""

    active: bool
    changed: bool
    count: int


SectionNode.model_rebuild()
