"""View events, produced by the gateway in batches (topic ``analytics.views``).

Two versions travel side by side: v1 (one object per read) and v2 (the same reads as
rows, with the batch's user agents listed once), which is about a quarter of v1's size on
the wire. Producers publish v2; analytics accepts both.

Both carry, optionally, a salted hash of the reader's address (``address`` in v1; in v2
``addresses`` listed once with ``view_addresses`` giving each row's): what the counting
rules need to limit what one address can add. Never the raw address.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from common.events.envelope import VIEWS_TOPIC, EventData, register


class ArticleView(BaseModel):
    """One read of one article. ``visitor`` is already a salted hash; no raw IP travels."""

    model_config = ConfigDict(frozen=True)

    article_id: int
    section_id: int | None = None
    visitor: str = Field(max_length=64)
    user_agent: str = Field(default="", max_length=256)
    user_id: int | None = None
    at: datetime
    address: str | None = Field(default=None, max_length=64)  # salted hash, never the raw IP


@register
class ViewsRecorded(EventData):
    """A batch of article reads, as one message: the unit of exactly-once counting."""

    event_type: ClassVar[str] = "views.recorded"
    topic: ClassVar[str] = VIEWS_TOPIC
    views: list[ArticleView]


ViewRow = tuple[
    int,  # article id
    int | None,  # section id
    Annotated[str, Field(max_length=64)],  # visitor
    Annotated[int, Field(ge=0)],  # index into ``agents``
    int | None,  # user id
    int,  # when, unix time in milliseconds
]


@register
class ViewsRecordedV2(EventData):
    """A batch of article reads as rows; each distinct user agent is sent once.

    A row is ``[article_id, section_id, visitor, agent, user_id, at_ms]``, where ``agent``
    indexes ``agents`` and ``at_ms`` is unix time in milliseconds. Optionally, the batch's
    distinct address hashes are listed once in ``addresses`` and ``view_addresses`` gives,
    per row in order, the index of its address (both or neither).
    """

    event_type: ClassVar[str] = "views.recorded"
    event_version: ClassVar[int] = 2
    topic: ClassVar[str] = VIEWS_TOPIC
    agents: list[Annotated[str, Field(max_length=256)]]
    views: list[ViewRow]
    addresses: list[Annotated[str, Field(max_length=64)]] | None = None
    view_addresses: list[Annotated[int, Field(ge=0)]] | None = None

    @model_validator(mode="after")
    def _agents_are_listed(self) -> ViewsRecordedV2:
        if any(row[3] >= len(self.agents) for row in self.views):
            raise ValueError("a view names an agent index the batch does not list")
        if (self.addresses is None) != (self.view_addresses is None):
            raise ValueError("addresses and view_addresses come together")
        if self.addresses is not None and self.view_addresses is not None:
            if len(self.view_addresses) != len(self.views):
                raise ValueError("view_addresses must give one address index per view")
            if any(i >= len(self.addresses) for i in self.view_addresses):
                raise ValueError("a view names an address index the batch does not list")
        return self

    def article_views(self) -> list[ArticleView]:
        """The reads as :class:`ArticleView` objects (as v1 carries them)."""
        places: list[int | None] = [*self.view_addresses] if self.view_addresses else []
        places += [None] * (len(self.views) - len(places))
        return [
            ArticleView(
                article_id=aid,
                section_id=section,
                visitor=visitor,
                user_agent=self.agents[agent],
                user_id=user,
                at=datetime.fromtimestamp(at_ms / 1000, UTC),
                address=self.addresses[place] if self.addresses and place is not None else None,
            )
            for (aid, section, visitor, agent, user, at_ms), place in zip(
                self.views, places, strict=True
            )
        ]
