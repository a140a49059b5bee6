"""The moderation pipeline: ordered phases, each approving, holding or rejecting with a reason."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from comments.domain.content import ContentShape
from comments.domain.model import ArticleState, AuthorHistory, BanState, TrustRules
from comments.domain.wordlist import WordHits

Outcome = Literal["approve", "hold", "reject"]
CommentStatus = Literal["pending", "approved", "rejected"]
TrustLevel = Literal["trusted", "neutral", "untrusted"]


@dataclass(frozen=True, slots=True)
class PhaseResult:
    """What one phase said about a submission."""

    phase: str
    outcome: Outcome
    reason: str


@dataclass(frozen=True, slots=True)
class Submission:
    """Everything the phases look at, gathered before any of them runs."""

    length: int
    article: ArticleState | None
    default_max_length: int
    ban: BanState | None
    rate_limited: Literal["user", "client"] | None
    duplicate: bool
    flood: bool
    words: WordHits
    has_link: bool
    has_markup: bool
    anonymous: bool
    history: AuthorHistory | None
    rules: TrustRules
    disguised_link: bool = False  # a link written in full-width characters, spaced or with 。
    content: ContentShape = "ok"


@dataclass(frozen=True, slots=True)
class Verdict:
    """The pipeline's outcome: every phase's result and the resulting status."""

    phases: tuple[PhaseResult, ...]

    @property
    def status(self) -> CommentStatus:
        """Rejected if any phase rejects, pending if any holds, else approved."""
        outcomes = {p.outcome for p in self.phases}
        if "reject" in outcomes:
            return "rejected"
        return "pending" if "hold" in outcomes else "approved"

    @property
    def reasons(self) -> list[str]:
        """Reasons of the phases that held or rejected, in phase order."""
        return [p.reason for p in self.phases if p.outcome != "approve"]

    def refusal(self, phase: str) -> PhaseResult | None:
        """The phase's result if it rejected."""
        return next((p for p in self.phases if p.phase == phase and p.outcome == "reject"), None)


def _ok(phase: str, reason: str) -> PhaseResult:
    return PhaseResult(phase, "approve", reason)


def length_phase(s: Submission) -> PhaseResult:
    """Longer than the section allows (user-perceived characters): reject."""
    limit = s.article.max_length if s.article else s.default_max_length
    if s.length > limit:
        return PhaseResult("length", "reject", "too_long")
    return _ok("length", "length_ok")


def article_phase(s: Submission) -> PhaseResult:
    """Missing, unpublished, archived, deleted or closed article: reject."""
    if s.article is None:
        return PhaseResult("article", "reject", "article_missing")
    if s.article.status != "published":
        return PhaseResult("article", "reject", f"article_{s.article.status}")
    if not s.article.comments_open:
        return PhaseResult("article", "reject", "comments_closed")
    return _ok("article", "article_open")


def ban_phase(s: Submission) -> PhaseResult:
    """An active ban or suspension of the user or client: reject."""
    if s.ban is None:
        return _ok("ban", "not_banned")
    verb = "banned" if s.ban.kind == "ban" else "suspended"
    return PhaseResult("ban", "reject", f"{s.ban.subject_type}_{verb}")


def rate_limit_phase(s: Submission) -> PhaseResult:
    """Over the per-user or per-client rate: reject (answered 429, nothing stored)."""
    if s.rate_limited is None:
        return _ok("rate_limit", "within_limits")
    return PhaseResult("rate_limit", "reject", f"rate_limited_{s.rate_limited}")


def duplicate_phase(s: Submission) -> PhaseResult:
    """The author repeating near-same text: reject; many authors posting it: hold."""
    if s.duplicate:
        return PhaseResult("duplicate", "reject", "duplicate")
    if s.flood:
        return PhaseResult("duplicate", "hold", "flood")
    return _ok("duplicate", "unique")


def banned_words_phase(s: Submission) -> PhaseResult:
    """A banned word: reject."""
    if s.words.banned:
        return PhaseResult("banned_words", "reject", "banned_word")
    return _ok("banned_words", "clean")


def suspect_words_phase(s: Submission) -> PhaseResult:
    """A suspect word: hold."""
    if s.words.suspect:
        return PhaseResult("suspect_words", "hold", "suspect_word")
    return _ok("suspect_words", "clean")


def links_phase(s: Submission) -> PhaseResult:
    """A link (disguised or not), or text that looks like markup: hold."""
    if s.disguised_link:
        return PhaseResult("links", "hold", "disguised_link")
    if s.has_link:
        return PhaseResult("links", "hold", "link")
    if s.has_markup:
        return PhaseResult("links", "hold", "markup")
    return _ok("links", "no_links")


def content_phase(s: Submission) -> PhaseResult:
    """One character repeated and nothing else: reject; other filler: hold."""
    if s.content == "repeated_character":
        return PhaseResult("content", "reject", "repeated_character")
    if s.content == "low_content":
        return PhaseResult("content", "hold", "low_content")
    return _ok("content", "has_content")


def trust_level(s: Submission) -> TrustLevel:
    """Trusted: enough recent approvals, few rejections; untrusted: mostly rejected."""
    h, r = s.history, s.rules
    if h is None:
        return "neutral"
    decided = h.approved + h.rejected
    rate = h.rejected / decided if decided else 0.0
    if decided >= r.review_min_decided and rate > r.review_rejection_rate:
        return "untrusted"
    if not s.anonymous and h.approved >= r.min_approved and rate <= r.max_rejection_rate:
        return "trusted"
    return "neutral"


def trust_phase(s: Submission) -> PhaseResult:
    """A high rejection rate forces review; recent approved history earns trust."""
    level = trust_level(s)
    if level == "untrusted":
        return PhaseResult("trust", "hold", "high_rejection_rate")
    return _ok("trust", "trusted" if level == "trusted" else "no_history_or_neutral")


def policy_phase(s: Submission) -> PhaseResult:
    """The section's policy: post publishes, first holds a newcomer, pre holds the untrusted."""
    policy = s.article.policy if s.article else "pre"
    if policy == "post":
        return _ok("policy", "policy_post")
    if policy == "first":
        if s.history is not None and s.history.ever_approved:
            return _ok("policy", "returning_author")
        return PhaseResult("policy", "hold", "first_comment")
    if trust_level(s) == "trusted":
        return _ok("policy", "trusted_skips_review")
    return PhaseResult("policy", "hold", "policy_pre")


Phase = Callable[[Submission], PhaseResult]
PHASES: tuple[Phase, ...] = (
    length_phase,
    article_phase,
    ban_phase,
    rate_limit_phase,
    duplicate_phase,
    banned_words_phase,
    suspect_words_phase,
    links_phase,
    content_phase,
    trust_phase,
    policy_phase,
)


def run_pipeline(submission: Submission) -> Verdict:
    """Run every phase in order and record each result."""
    return Verdict(phases=tuple(phase(submission) for phase in PHASES))
