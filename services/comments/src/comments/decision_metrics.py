"""Who decides comments, for the moderation dashboard: the pipeline at submission or a person.

Counted once the decision is committed. ``by="auto"`` is the pipeline's outcome for every
new comment (``held`` means it went to the queue); ``by="moderator"`` a decision on the desk,
also counted per moderator (a handful of accounts, so the label stays small).
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import Counter

DECISIONS = Counter(
    "comments_moderation_decisions_total",
    "Comment decisions by outcome (approved, rejected, held) and by whom (auto, moderator)",
    ["decision", "by"],
)
BY_MODERATOR = Counter(
    "comments_moderator_decisions_total",
    "Decisions taken on the desk, per moderator",
    ["moderator", "decision"],
)
_AUTO = {"approved": "approved", "rejected": "rejected", "pending": "held"}


def count_submission(status: str) -> None:
    """The pipeline's outcome for one new comment."""
    DECISIONS.labels(decision=_AUTO.get(status, status), by="auto").inc()


def count_desk_decisions(moderator: str, statuses: Iterable[str]) -> None:
    """Decisions one moderator applied in one call."""
    for status in statuses:
        DECISIONS.labels(decision=status, by="moderator").inc()
        BY_MODERATOR.labels(moderator=moderator, decision=status).inc()
