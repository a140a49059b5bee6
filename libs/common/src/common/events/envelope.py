"""The one envelope every event travels in, and the registry of event types."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

import orjson
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

ARTICLES_TOPIC = "articles.events"
COMMENTS_TOPIC = "comments.events"
VIEWS_TOPIC = "analytics.views"
ALL_TOPICS = (ARTICLES_TOPIC, COMMENTS_TOPIC, VIEWS_TOPIC)


def dlq_topic(topic: str) -> str:
    """The dead-letter topic that belongs to ``topic``."""
    return f"{topic}.dlq"


class EventData(BaseModel):
    """Base of every event payload: names its type, version and topic."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_type: ClassVar[str]
    event_version: ClassVar[int] = 1
    topic: ClassVar[str]


class UnknownEventError(LookupError):
    """No schema is registered for an event type and version."""


_REGISTRY: dict[tuple[str, int], type[EventData]] = {}
E = TypeVar("E", bound=type[EventData])


def register(cls: E) -> E:
    """Class decorator: make an event schema known to every consumer."""
    key = (cls.event_type, cls.event_version)
    if key in _REGISTRY and _REGISTRY[key] is not cls:
        raise ValueError(f"event {key} registered twice")
    _REGISTRY[key] = cls
    return cls


def registered_events() -> dict[tuple[str, int], type[EventData]]:
    """Every registered schema by (event_type, event_version)."""
    return dict(_REGISTRY)


def schema_for(event_type: str, event_version: int) -> type[EventData]:
    """The payload model of one event type and version."""
    try:
        return _REGISTRY[(event_type, event_version)]
    except KeyError:
        raise UnknownEventError(f"unknown event {event_type} v{event_version}") from None


def _now() -> datetime:
    return datetime.now(UTC)


class Envelope(BaseModel):
    """What every Kafka message carries."""

    model_config = ConfigDict(frozen=True)

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    event_type: str
    event_version: int = Field(ge=1)
    occurred_at: AwareDatetime = Field(default_factory=_now)
    producer: str
    key: str
    data: dict[str, Any]

    @classmethod
    def wrap(
        cls,
        payload: EventData,
        *,
        key: str,
        producer: str,
        event_id: uuid.UUID | None = None,
        occurred_at: datetime | None = None,
    ) -> Envelope:
        """Put a typed payload into an envelope."""
        return cls(
            event_id=event_id or uuid.uuid4(),
            event_type=payload.event_type,
            event_version=payload.event_version,
            occurred_at=occurred_at or _now(),
            producer=producer,
            key=key,
            data=payload.model_dump(mode="json"),
        )

    def payload(self) -> EventData:
        """The typed payload, validated against its registered schema."""
        return schema_for(self.event_type, self.event_version).model_validate(self.data)

    def to_bytes(self) -> bytes:
        """The wire form of the envelope."""
        return orjson.dumps(self.model_dump(mode="json"))

    @classmethod
    def from_bytes(cls, raw: bytes) -> Envelope:
        """Parse and validate the wire form."""
        return cls.model_validate_json(raw)


Handler = Callable[[Envelope], Any]
