"""Read counting: every article read becomes a view event, batched off the request path."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from common.events.views import ArticleView

if TYPE_CHECKING:
    from gateway.context import Gateway


_ALL_FIELDS = set(ArticleView.model_fields)


def record_view(
    gw: Gateway,
    *,
    article_id: int,
    section_id: Any,
    visitor: str,
    user_agent: str,
    user_id: int | None,
) -> None:
    """Queue one read; never waits (the recorder publishes batches in the background)."""
    view = ArticleView.model_construct(  # fields are known-good here; skip re-validation
        _fields_set=_ALL_FIELDS,
        article_id=article_id,
        section_id=section_id if isinstance(section_id, int) else None,
        visitor=visitor,
        user_agent=user_agent[:256],
        user_id=user_id,
        at=datetime.now(UTC),
    )
    gw.views.record(view)
