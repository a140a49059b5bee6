"""View events, produced by the gateway in batches (topic ``analytics.views``)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

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


@register
class ViewsRecorded(EventData):
    """A batch of article reads, as one message: the unit of exactly-once counting."""

    event_type: ClassVar[str] = "views.recorded"
    topic: ClassVar[str] = VIEWS_TOPIC
    views: list[ArticleView]
