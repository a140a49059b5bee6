"""Request and response bodies of the moderation desk."""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from comments.domain.bans import BanKind, SubjectType
from common.ranges import ArticleId, CommentId, Moment, SectionId


class DeskAuthor(BaseModel):
    """Everything moderators may know about an author."""

    name: str
    anonymous: bool
    user_id: int | None
    client_id: str
    contact: str | None


class PhaseOut(BaseModel):
    """One phase's result."""

    phase: str
    outcome: str
    reason: str


class AuthorRecordOut(BaseModel):
    """The author's history: comments by status, reports received, bans."""

    model_config = ConfigDict(from_attributes=True)

    comments: int
    approved: int
    rejected: int
    pending: int
    reports: int
    bans: int
    banned_now: bool


class MarkOut(BaseModel):
    """A span of the body (code point offsets) a phase reacted to."""

    model_config = ConfigDict(from_attributes=True)

    start: int
    end: int
    kind: str


class ClaimOut(BaseModel):
    """Who holds a comment and until when."""

    moderator_id: int
    moderator_name: str | None
    expires_at: datetime


_SAME_NAMES = (
    "id",
    "article_id",
    "article_title",
    "article_status",
    "section_id",
    "parent_id",
    "body",
    "status",
    "created_at",
    "report_count",
    "like_count",
)


class ModerationItem(BaseModel):
    """A comment on the desk."""

    id: int
    article_id: int
    article_title: str | None
    article_status: str | None
    section_id: int | None
    section_path: list[int]
    parent_id: int | None
    author: DeskAuthor
    body: str
    status: str
    reasons: list[str]
    phases: list[PhaseOut]
    created_at: datetime
    age_seconds: float
    report_count: int
    like_count: int
    claim: ClaimOut | None
    author_record: AuthorRecordOut | None = None
    marks: list[MarkOut] = Field(default_factory=list)

    @classmethod
    def of(cls, row: Any, record: Any = None, marks: Any = ()) -> ModerationItem:
        """From a queue row (with the author's record and the body's marks when known)."""
        m = row._mapping
        claim = None
        if m["claimed_by"] is not None and m["claim_expires_at"] is not None:
            claim = ClaimOut(
                moderator_id=m["claimed_by"],
                moderator_name=m["claimed_by_name"],
                expires_at=m["claim_expires_at"],
            )
        author = DeskAuthor(
            name=m["author_name"],
            anonymous=m["is_anonymous"],
            user_id=m["user_id"],
            client_id=m["client_id"],
            contact=m["contact"],
        )
        return cls(
            **{name: m[name] for name in _SAME_NAMES},
            section_path=list(m["section_path"]),
            reasons=list(m["reasons"]),
            phases=[PhaseOut(**p) for p in m["phases"]],
            age_seconds=round(float(m["age_seconds"]), 3),
            author=author,
            claim=claim,
            author_record=AuthorRecordOut.model_validate(record) if record else None,
            marks=[MarkOut.model_validate(m) for m in marks],
        )


class QueueOut(BaseModel):
    """A page of the queue."""

    items: list[ModerationItem]
    total: int
    oldest_age_seconds: float | None


class ClaimRequest(BaseModel):
    """Claim the oldest ``count`` matching entries, or the given ids."""

    model_config = ConfigDict(extra="forbid")

    count: int | None = Field(default=None, ge=1, le=200)
    comment_ids: list[CommentId] | None = Field(default=None, min_length=1, max_length=200)
    ttl_seconds: int = Field(default=300, ge=5, le=3600)
    status: Literal["pending", "reported"] = "pending"
    min_age: float | None = Field(default=None, ge=0, le=10 * 365 * 86400)
    section: SectionId | None = None
    article: ArticleId | None = None
    reason: str | None = Field(default=None, max_length=64)

    @model_validator(mode="after")
    def _one_of(self) -> Self:
        if (self.count is None) == (self.comment_ids is None):
            raise ValueError("give count or comment_ids")
        return self


class ClaimsOut(BaseModel):
    """What was claimed and which requested ids were not available."""

    claimed: list[ModerationItem]
    unavailable: list[int]


class ReleaseRequest(BaseModel):
    """Claims to give up."""

    model_config = ConfigDict(extra="forbid")

    comment_ids: list[CommentId] = Field(min_length=1, max_length=200)


class ReleaseOut(BaseModel):
    """Claims given up."""

    released: list[int]


class DecisionIn(BaseModel):
    """One decision."""

    model_config = ConfigDict(extra="forbid")

    comment_id: CommentId
    decision: Literal["approve", "reject"]
    reason: str = Field(default="", max_length=200)

    @model_validator(mode="after")
    def _reject_needs_reason(self) -> Self:
        if self.decision == "reject" and not self.reason.strip():
            raise ValueError("a rejection needs a reason")
        return self


class DecisionsRequest(BaseModel):
    """Decisions applied in one transaction."""

    model_config = ConfigDict(extra="forbid")

    decisions: list[DecisionIn] = Field(min_length=1, max_length=200)


class DecisionOut(BaseModel):
    """The result of one decision."""

    comment_id: int
    outcome: str
    status: str | None


class DecisionsOut(BaseModel):
    """Results in request order."""

    results: list[DecisionOut]


class StatsOut(BaseModel):
    """Queue health for the ops page."""

    pending: int
    oldest_age_seconds: float | None
    claimed: int
    reported: int


class WordsRequest(BaseModel):
    """Words to add or to make the list."""

    model_config = ConfigDict(extra="forbid")

    words: list[str] = Field(max_length=20_000)


class WordOut(BaseModel):
    """One entry."""

    word: str
    normalized: str
    created_at: datetime


class WordListOut(BaseModel):
    """A list and its version."""

    list: str
    version: int
    words: builtins.list[WordOut]


class WordChangeOut(BaseModel):
    """The version after an edit."""

    list: str
    version: int
    added: int | None = None
    removed: int | None = None
    count: int | None = None


class BanRequest(BaseModel):
    """A ban or suspension."""

    model_config = ConfigDict(extra="forbid")

    subject_type: SubjectType
    subject: str = Field(min_length=1, max_length=128)
    kind: BanKind = "ban"
    until: Moment | None = None
    duration_seconds: int | None = Field(default=None, ge=1, le=10 * 365 * 86400)
    reason: str = Field(min_length=1, max_length=200)


class BanOut(BaseModel):
    """A ban as stored."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    subject_type: str
    subject: str
    kind: str
    until: datetime | None
    reason: str
    created_at: datetime
    created_by: int
    lifted_at: datetime | None
    active: bool


class BansOut(BaseModel):
    """Bans, newest first."""

    items: list[BanOut]


class AuditOut(BaseModel):
    """One audit entry."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor_id: int | None
    actor_name: str
    action: str
    comment_id: int | None
    subject: str | None
    reason: str
    detail: dict[str, Any]


class AuditPageOut(BaseModel):
    """Audit entries newest first."""

    items: list[AuditOut]
    next_before_id: int | None
