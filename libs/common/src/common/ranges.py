"""The range of every number a request may carry, defined once for every service.

Ids are positive and fit the column they are looked up in (``integer`` is int4,
``bigint`` is int8), pages and limits are bounded, dates fall in a sane span. Routers and
request schemas use these types, so an out-of-range number is a 422 with a reason at the
edge instead of a database overflow (a 500) deep inside.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, Field

from common.errors import InvalidInputError

INT4_MAX = 2**31 - 1
INT8_MAX = 2**63 - 1

# the earliest and latest moments a request may name: wide enough for any archive or
# schedule, narrow enough that date arithmetic and the database never overflow
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)

ArticleId = Annotated[int, Field(ge=1, le=INT8_MAX, description="an article id (bigint)")]
SectionId = Annotated[int, Field(ge=1, le=INT4_MAX, description="a section id (integer)")]
CommentId = Annotated[int, Field(ge=1, le=INT8_MAX, description="a comment id (bigint)")]
UserId = Annotated[int, Field(ge=1, le=INT8_MAX, description="a user id (bigint)")]
RowId = Annotated[int, Field(ge=1, le=INT8_MAX, description="a row id (bigint)")]
Revision = Annotated[int, Field(ge=1, le=INT4_MAX, description="a revision number")]
Int4 = Annotated[int, Field(ge=-INT4_MAX - 1, le=INT4_MAX, description="an integer column")]
PageNumber = Annotated[int, Field(ge=1, le=1000, description="a page number (1-1000)")]


def _sane_moment(value: datetime) -> datetime:
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if not EARLIEST <= aware < LATEST:
        raise ValueError(f"must fall between {EARLIEST.date()} and {LATEST.date()}")
    return value


def _sane_day(value: date) -> date:
    if not EARLIEST.date() <= value < LATEST.date():
        raise ValueError(f"must fall between {EARLIEST.date()} and {LATEST.date()}")
    return value


def check_moment(value: datetime, *, name: str) -> datetime:
    """``value`` when in the sane span; ``ValueError`` naming ``name`` otherwise."""
    try:
        return _sane_moment(value)
    except ValueError as exc:
        raise ValueError(f"{name} {exc}") from None


Moment = Annotated[datetime, AfterValidator(_sane_moment)]
Day = Annotated[date, AfterValidator(_sane_day)]
AwareMoment = Annotated[AwareDatetime, AfterValidator(_sane_moment)]


def id_list(raw: str, *, name: str, most: int, maximum: int = INT8_MAX) -> list[int]:
    """Comma-separated ids (ASCII digits, 1..``maximum``), duplicates dropped, order kept."""
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    if not 0 < len(parts) <= most or not all(_is_id(p, maximum) for p in parts):
        raise InvalidInputError(f"{name} must be 1 to {most} comma-separated ids (1-{maximum})")
    return list(dict.fromkeys(int(p) for p in parts))


def _is_id(text: str, maximum: int) -> bool:
    # isdigit() alone admits digits int() refuses ('²') and ids past the column
    return text.isascii() and text.isdigit() and len(text) <= 19 and 1 <= int(text) <= maximum
