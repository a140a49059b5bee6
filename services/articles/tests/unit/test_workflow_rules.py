"""Which action is allowed from which status."""

from __future__ import annotations

import pytest

from articles.domain.workflow import Action, Status, next_status
from common.errors import ConflictError

VALID = [
    (Action.PUBLISH, Status.DRAFT, Status.PUBLISHED),
    (Action.PUBLISH, Status.SCHEDULED, Status.PUBLISHED),
    (Action.PUBLISH, Status.ARCHIVED, Status.PUBLISHED),
    (Action.SCHEDULE, Status.DRAFT, Status.SCHEDULED),
    (Action.SCHEDULE, Status.SCHEDULED, Status.SCHEDULED),
    (Action.UNPUBLISH, Status.PUBLISHED, Status.DRAFT),
    (Action.UNPUBLISH, Status.SCHEDULED, Status.DRAFT),
    (Action.UNPUBLISH, Status.ARCHIVED, Status.DRAFT),
    (Action.ARCHIVE, Status.PUBLISHED, Status.ARCHIVED),
    (Action.DELETE, Status.DRAFT, Status.DELETED),
    (Action.DELETE, Status.PUBLISHED, Status.DELETED),
]


@pytest.mark.parametrize(("action", "current", "expected"), VALID)
def test_allowed(action: Action, current: Status, expected: Status) -> None:
    assert next_status(action, current) == expected


@pytest.mark.parametrize(
    ("action", "current"),
    [
        (Action.PUBLISH, Status.PUBLISHED),
        (Action.SCHEDULE, Status.PUBLISHED),
        (Action.SCHEDULE, Status.ARCHIVED),
        (Action.ARCHIVE, Status.DRAFT),
        (Action.ARCHIVE, Status.SCHEDULED),
        (Action.UNPUBLISH, Status.DRAFT),
        *[(action, Status.DELETED) for action in Action],
    ],
)
def test_refused_with_reason(action: Action, current: Status) -> None:
    with pytest.raises(ConflictError, match=f"cannot {action.value} an article that is"):
        next_status(action, current)
