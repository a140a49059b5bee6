"""Event envelope, schemas (one module per producer) and the registry."""

from common.events import articles, comments, views
from common.events.envelope import (
    ALL_TOPICS,
    ARTICLES_TOPIC,
    COMMENTS_TOPIC,
    VIEWS_TOPIC,
    Envelope,
    EventData,
    UnknownEventError,
    dlq_topic,
    register,
    registered_events,
    schema_for,
)

__all__ = [
    "ALL_TOPICS",
    "ARTICLES_TOPIC",
    "COMMENTS_TOPIC",
    "VIEWS_TOPIC",
    "Envelope",
    "EventData",
    "UnknownEventError",
    "articles",
    "comments",
    "dlq_topic",
    "register",
    "registered_events",
    "schema_for",
    "views",
]
