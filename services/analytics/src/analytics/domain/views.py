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


def view_rows(data: Mapping[str, Any], *, scorer: BotScorer) -> bytes:
    """``[[article, visitor, epoch s, section, ua score x100], ...]`` as JSON.

    This is the hottest Python loop of the service, so the envelope's already-parsed dicts
    are read directly; anything malformed is re-checked with the schema for a clear error.
    """
    try:
        rows = [
            [
                str(int(v["article_id"])),
                v["visitor"],
                _epoch(v["at"]),
                v.get("section_id") or 0,
                scorer.score(v.get("user_agent") or ""),
            ]
            for v in data["views"]
        ]
    except (KeyError, TypeError, ValueError) as exc:
        try:
            ViewsRecorded.model_validate(data)
        except ValidationError as invalid:
            raise InvalidInputError(f"malformed views batch: {invalid}") from invalid
        raise InvalidInputError(f"malformed views batch: {exc!r}") from exc
    return orjson.dumps(rows)
