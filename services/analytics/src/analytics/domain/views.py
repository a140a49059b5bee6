"""Turning a views.recorded batch into the compact rows the counting script takes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import orjson
from pydantic import ValidationError

from analytics.domain.bots import BotScorer
from common.errors import InvalidInputError
from common.events.views import ViewsRecorded


def _epoch(at: str) -> int:
    dt = datetime.fromisoformat(at)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp())


def _rows(views: list[dict[str, Any]], scorer: BotScorer, window: int) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for v in views:
        t = _epoch(v["at"])
        rows.append(
            [
                str(int(v["article_id"])),
                v["visitor"],
                v.get("section_id") or 0,
                scorer.score(v.get("user_agent") or ""),
                t // window,
                t // 60,
            ]
        )
    return rows


def view_rows(data: Mapping[str, Any], *, scorer: BotScorer, window: int) -> bytes:
    """``[[article, visitor, section, ua score x100, dedup bucket, minute]...]`` as JSON.

    ``window`` is the dedup window in seconds.

    This is the hottest Python loop of the service, so the envelope's already-parsed dicts
    are read directly; anything malformed is re-checked with the schema for a clear error.
    """
    try:
        rows = _rows(data["views"], scorer, window)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        try:
            ViewsRecorded.model_validate(data)
        except ValidationError as invalid:
            raise InvalidInputError(f"malformed views batch: {invalid}") from invalid
        raise InvalidInputError(f"malformed views batch: {exc!r}") from exc
    return orjson.dumps(rows)
