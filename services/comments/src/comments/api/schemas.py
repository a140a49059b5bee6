"""Request and response bodies of the reader and submission API (not the tables)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from comments.domain.reading import CommentView
from common.ranges import CommentId

ReportReason = Literal["spam", "abuse", "off_topic", "illegal", "other"]


class SubmitRequest(BaseModel):
    """A new comment or reply."""

    model_config = ConfigDict(extra="forbid")

    body: str = Field(max_length=4000)  # a coarse guard; the real limit is per section
    parent_id: CommentId | None = None
    nickname: str | None = Field(default=None, max_length=200)
    contact: str | None = Field(default=None, max_length=200)


class SubmitResponse(BaseModel):
    """The pipeline's outcome."""

    id: int
    status: Literal["pending", "approved", "rejected"]
    reasons: list[str]
    created_at: datetime


class AuthorOut(BaseModel):
    """Who wrote a comment, as readers see it (never the contact or client id)."""

    name: str
    anonymous: bool
    user_id: int | None


class CommentOut(BaseModel):
    """A published comment with its replies."""

    id: int
    article_id: int
    parent_id: int | None
    author: AuthorOut
    body: str
    created_at: datetime
    published_at: datetime | None
    like_count: int
    replies: list[CommentOut] = Field(default_factory=list)

    @classmethod
    def of(cls, view: CommentView) -> CommentOut:
        """The public shape of a comment, replies included."""
        return cls(
            id=view.id,
            article_id=view.article_id,
            parent_id=view.parent_id,
            author=AuthorOut(name=view.author_name, anonymous=view.anonymous, user_id=view.user_id),
            body=view.body,
            created_at=view.created_at,
            published_at=view.published_at,
            like_count=view.like_count,
            replies=[cls.of(r) for r in view.replies],
        )


class OwnCommentOut(CommentOut):
    """A comment shown to its author or a moderator: with its status and reasons."""

    status: str
    reasons: list[str]

    @classmethod
    def own(cls, view: CommentView) -> OwnCommentOut:
        """The author's view of a comment."""
        public = CommentOut.of(view).model_dump()
        return cls(**public, status=view.status, reasons=view.reasons)


class ThreadPageOut(BaseModel):
    """A page of threads."""

    article_id: int
    items: list[CommentOut]
    next_cursor: str | None
    total: int


class CountsOut(BaseModel):
    """Approved comments per article id."""

    counts: dict[str, int]


class LatestItem(BaseModel):
    """One entry of the latest-comments list."""

    id: int
    article_id: int
    article_title: str
    section_id: int | None
    author: AuthorOut
    body: str
    published_at: datetime | None


class LatestOut(BaseModel):
    """The latest-comments list."""

    items: list[LatestItem]


class OwnListOut(BaseModel):
    """The caller's own comments."""

    items: list[OwnCommentOut]


class ReportRequest(BaseModel):
    """A reader's report."""

    model_config = ConfigDict(extra="forbid")

    reason: ReportReason
    note: str = Field(default="", max_length=500)


class ReportOut(BaseModel):
    """A report was received."""

    comment_id: int
    accepted: bool = True
    duplicate: bool


class LikeOut(BaseModel):
    """The like count after a like."""

    comment_id: int
    like_count: int
    duplicate: bool


class DeletedOut(BaseModel):
    """A deleted comment."""

    id: int
    status: str
