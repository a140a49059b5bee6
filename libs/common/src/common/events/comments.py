"""Events produced by the comments service (topic ``comments.events``, keyed by article id)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from common.events.envelope import COMMENTS_TOPIC, EventData, register

CommentStatus = Literal["pending", "approved", "rejected", "deleted"]


class _CommentEvent(EventData):
    topic: ClassVar[str] = COMMENTS_TOPIC
    comment_id: int
    article_id: int
    section_id: int | None = None


@register
class CommentSubmitted(_CommentEvent):
    """A reader submitted a comment; ``status`` is the pipeline's outcome."""

    event_type: ClassVar[str] = "comment.submitted"
    status: CommentStatus
    user_id: int | None = None
    parent_id: int | None = None
    reasons: list[str] = Field(default_factory=list)


@register
class CommentApproved(_CommentEvent):
    """A comment became visible to readers."""

    event_type: ClassVar[str] = "comment.approved"
    user_id: int | None = None
    parent_id: int | None = None
    moderator_id: int | None = None  # None: approved automatically by the pipeline


@register
class CommentRejected(_CommentEvent):
    """A comment was rejected; ``was_visible`` says whether readers had seen it."""

    event_type: ClassVar[str] = "comment.rejected"
    reason: str
    moderator_id: int | None = None
    was_visible: bool = False


@register
class CommentDeleted(_CommentEvent):
    """A comment was deleted."""

    event_type: ClassVar[str] = "comment.deleted"
    was_visible: bool = False


@register
class CommentReported(_CommentEvent):
    """A reader reported a comment."""

    event_type: ClassVar[str] = "comment.reported"
    reason: Literal["spam", "abuse", "off_topic", "illegal", "other"]


@register
class CommentLiked(_CommentEvent):
    """A reader liked a comment."""

    event_type: ClassVar[str] = "comment.liked"
    user_id: int | None = None
    visitor: str | None = None
