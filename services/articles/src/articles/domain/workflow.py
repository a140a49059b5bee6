"""The publishing workflow: which action is allowed from which status."""

from __future__ import annotations

from enum import StrEnum

from common.errors import ConflictError


class Status(StrEnum):
    """Where an article is in its life."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"
    ARCHIVED = "archived"
    DELETED = "deleted"


class Action(StrEnum):
    """What an editor can do to an article."""

    PUBLISH = "publish"
    SCHEDULE = "schedule"
    UNPUBLISH = "unpublish"
    ARCHIVE = "archive"
    DELETE = "delete"


ALLOWED_FROM: dict[Action, frozenset[Status]] = {
    Action.PUBLISH: frozenset({Status.DRAFT, Status.SCHEDULED, Status.ARCHIVED}),
    Action.SCHEDULE: frozenset({Status.DRAFT, Status.SCHEDULED}),
    Action.UNPUBLISH: frozenset({Status.SCHEDULED, Status.PUBLISHED, Status.ARCHIVED}),
    Action.ARCHIVE: frozenset({Status.PUBLISHED}),
    Action.DELETE: frozenset({Status.DRAFT, Status.SCHEDULED, Status.PUBLISHED, Status.ARCHIVED}),
}
RESULT: dict[Action, Status] = {
    Action.PUBLISH: Status.PUBLISHED,
    Action.SCHEDULE: Status.SCHEDULED,
    Action.UNPUBLISH: Status.DRAFT,
    Action.ARCHIVE: Status.ARCHIVED,
    Action.DELETE: Status.DELETED,
}
READER_VISIBLE = frozenset({Status.PUBLISHED, Status.ARCHIVED})  # archived: by link only


def next_status(action: Action, current: str) -> Status:
    """The status ``action`` leads to, or ConflictError naming the invalid transition."""
    status = Status(current)
    if status not in ALLOWED_FROM[action]:
        allowed = ", ".join(sorted(ALLOWED_FROM[action]))
        raise ConflictError(
            f"cannot {action.value} an article that is {status.value} (allowed from: {allowed})"
        )
    return RESULT[action]
