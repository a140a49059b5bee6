"""Opaque keyset cursors: the sort key of the last item seen."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

import orjson

from common.errors import InvalidInputError
from common.ranges import INT8_MAX


@dataclass(frozen=True, slots=True)
class Cursor:
    """Position after an item: its sort value (time or rank) and id."""

    value: datetime | float
    id: int

    def encode(self) -> str:
        """URL-safe text for ``?cursor=``."""
        value = self.value.isoformat() if isinstance(self.value, datetime) else self.value
        raw = orjson.dumps([value, self.id])
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(text: str) -> list[object]:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        data = orjson.loads(raw)
    except (binascii.Error, ValueError, orjson.JSONDecodeError):
        raise InvalidInputError("cursor: not a cursor this service issued") from None
    if not isinstance(data, list) or len(data) != 2 or not isinstance(data[1], int):
        raise InvalidInputError("cursor: not a cursor this service issued")
    if not 0 <= data[1] <= INT8_MAX:  # an id past bigint would overflow the query
        raise InvalidInputError("cursor: not a cursor this service issued")
    return data


def time_cursor(text: str | None) -> Cursor | None:
    """Decode a cursor of a newest-first list."""
    if not text:
        return None
    value, item_id = _decode(text)
    try:
        at = datetime.fromisoformat(str(value))
    except ValueError:
        raise InvalidInputError("cursor: not a cursor of this list") from None
    if at.tzinfo is None:
        raise InvalidInputError("cursor: not a cursor of this list")
    return Cursor(at, int(str(item_id)))


def rank_cursor(text: str | None) -> Cursor | None:
    """Decode a cursor of a ranked (search) list."""
    if not text:
        return None
    value, item_id = _decode(text)
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise InvalidInputError("cursor: not a cursor of this list")
    return Cursor(float(value), int(str(item_id)))
