"""Turning a views.recorded batch (v1 or v2) into rows for counting."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from analytics.domain.bots import BotScorer
from common.errors import InvalidInputError
from common.events.views import ViewsRecorded, ViewsRecordedV2


def _epoch(at: str) -> int:
    dt = datetime.fromisoformat(at)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp())


ViewRow = tuple[str, str, int, int, int]
"""(article id, visitor, user agent's bot score x100, dedup window bucket, minute)"""


def _rows_v1(data: Mapping[str, Any], scorer: BotScorer, window: int) -> list[ViewRow]:
    rows: list[ViewRow] = []
    for v in data["views"]:
        t = _epoch(v["at"])
        visitor = v["visitor"]
        if not isinstance(visitor, str) or not visitor:
            raise ValueError("a view without a visitor")
        score = scorer.score(v.get("user_agent") or "")
        rows.append((str(int(v["article_id"])), visitor, score, t // window, t // 60))
    return rows


def _rows_v2(data: Mapping[str, Any], scorer: BotScorer, window: int) -> list[ViewRow]:
    scores = [scorer.score(agent) for agent in data["agents"]]
    rows: list[ViewRow] = []
    for aid, _section, visitor, agent, _user, at_ms in data["views"]:
        if not isinstance(visitor, str) or not visitor or not isinstance(at_ms, int) or agent < 0:
            raise ValueError("a view row has a wrong type")
        t = at_ms // 1000
        rows.append((str(int(aid)), visitor, scores[agent], t // window, t // 60))
    return rows


def view_rows(
    data: Mapping[str, Any], *, scorer: BotScorer, window: int, version: int = 1
) -> list[ViewRow]:
    """The batch's reads as :data:`ViewRow` tuples.

    ``window`` is the dedup window in seconds; ``version`` the event version of the batch.

    This is the hottest Python loop of the service, so the envelope's already-parsed data
    is read directly; anything malformed is re-checked with the schema for a clear error.
    """
    if version not in (1, 2):
        raise InvalidInputError(f"unknown views.recorded version {version}")
    schema = ViewsRecordedV2 if version == 2 else ViewsRecorded
    try:
        rows = (_rows_v2 if version == 2 else _rows_v1)(data, scorer, window)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        try:
            schema.model_validate(data)
        except ValidationError as invalid:
            raise InvalidInputError(f"malformed views batch: {invalid}") from invalid
        raise InvalidInputError(f"malformed views batch: {exc!r}") from exc
    return rows
