"""Kafka: the idempotent producer, the consumer runner and dead-letter topics."""

from common.kafka.consumer import ConsumedEvent, EventConsumer, RetryPolicy
from common.kafka.dlq import (
    DeadLetter,
    DeadLetterBacklog,
    dead_letter_backlog,
    list_dead_letters,
    replay,
    replay_dead_letters,
    send_to_dlq,
)
from common.kafka.producer import EventPublisher, ProducerConfigError, start_producer

__all__ = [
    "ConsumedEvent",
    "DeadLetter",
    "DeadLetterBacklog",
    "EventConsumer",
    "EventPublisher",
    "ProducerConfigError",
    "RetryPolicy",
    "dead_letter_backlog",
    "list_dead_letters",
    "replay",
    "replay_dead_letters",
    "send_to_dlq",
    "start_producer",
]
