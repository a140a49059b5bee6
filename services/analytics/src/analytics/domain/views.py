"""Turning a views.recorded batch (v1 or v2) into rows for counting."""

from __future__ import annotations

import itertools
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


ViewRow = tuple[str, str, int, int, int, str, bool]
"""(article id, visitor, user agent's bot score x100, dedup window bucket, minute,
address hash or "" when the view has none, signed in)

A signed-in reader's visitor is their account (``u<user id>``), whatever their address
or user agent; anyone else's is the gateway's hash of address and user agent.
"""


def _rows_v1(data: Mapping[str, Any], scorer: BotScorer, window: int) -> list[ViewRow]:
    rows: list[ViewRow] = []
    for v in data["views"]:
        t = _epoch(v["at"])
        visitor = v["visitor"]
        if not isinstance(visitor, str) or not visitor:
            raise ValueError("a view without a visitor")
        user = v.get("user_id")
        if user is not None:
            visitor = f"u{int(user)}"
        address = v.get("address") or ""
        if not isinstance(address, str):
            raise TypeError("an address is not a string")
        score = scorer.score(v.get("user_agent") or "")
        aid = str(int(v["article_id"]))
        rows.append((aid, visitor, score, t // window, t // 60, address, user is not None))
    return rows


def _rows_v2(data: Mapping[str, Any], scorer: BotScorer, window: int) -> list[ViewRow]:
    scores = [scorer.score(agent) for agent in data["agents"]]
    views = data["views"]
    listed = data.get("addresses")
    if listed is None:
        places: Any = itertools.repeat("", len(views))
    else:
        where = data["view_addresses"]
        if len(where) != len(views) or not all(isinstance(a, str) for a in listed):
            raise ValueError("addresses do not match the views")
        if where and min(where) < 0:
            raise ValueError("a negative address index")
        places = (listed[i] for i in where)
    rows: list[ViewRow] = []
    for (aid, _section, visitor, agent, user, at_ms), address in zip(views, places, strict=False):
        if not isinstance(visitor, str) or not visitor or not isinstance(at_ms, int) or agent < 0:
            raise ValueError("a view row has a wrong type")
        if user is not None:
            visitor = f"u{int(user)}"
        t = at_ms // 1000
        rows.append(
            (str(int(aid)), visitor, scores[agent], t // window, t // 60, address, user is not None)
        )
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
