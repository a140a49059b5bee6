"""Plain values the domain works with (not the tables, not the API schemas)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Policy = Literal["pre", "first", "post"]
UNKNOWN_CLIENT = "unknown"  # callers the gateway did not identify share this client id


@dataclass(frozen=True, slots=True)
class ArticleState:
    """What the replica knows about an article, settings already resolved."""

    article_id: int
    status: str  # published | unpublished | archived | deleted
    section_id: int
    section_path: tuple[int, ...]
    title: str
    policy: Policy
    comments_open: bool
    max_length: int


@dataclass(frozen=True, slots=True)
class BanState:
    """The strongest active ban or suspension on the author or their client."""

    kind: Literal["ban", "suspend"]
    subject_type: Literal["user", "client"]


@dataclass(frozen=True, slots=True)
class AuthorHistory:
    """The author's recent record (user id, or client id when anonymous)."""

    approved: int
    rejected: int
    ever_approved: bool


@dataclass(frozen=True, slots=True)
class TrustRules:
    """Thresholds of the trust phase."""

    min_approved: int = 3
    max_rejection_rate: float = 0.1
    review_min_decided: int = 3
    review_rejection_rate: float = 0.5


@dataclass(frozen=True, slots=True)
class Author:
    """Who submits: a logged-in user or an anonymous reader, and from which client."""

    user_id: int | None
    name: str
    client_id: str
    contact: str | None = None

    @property
    def anonymous(self) -> bool:
        """Whether the author is not logged in."""
        return self.user_id is None

    @property
    def key(self) -> str:
        """The identity rate limits and duplicates are counted by."""
        return f"u:{self.user_id}" if self.user_id is not None else f"c:{self.client_id}"


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is reading: decides whether unpublished comments may be shown."""

    user_id: int | None
    client_id: str
    moderator: bool = False

    @property
    def reactor(self) -> str:
        """The identity one like or report is counted per."""
        return f"u:{self.user_id}" if self.user_id is not None else f"c:{self.client_id}"
