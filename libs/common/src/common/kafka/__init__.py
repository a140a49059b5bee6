"""Kafka: the idempotent producer, the consumer runner and dead-letter topics."""

from common.kafka.consumer import ConsumedEvent, EventConsumer, RetryPolicy
from common.kafka.dlq import DeadLetter, list_dead_letters, replay_dead_letters, send_to_dlq
from common.kafka.producer import EventPublisher, ProducerConfigError, start_producer

__all__ = [
    "ConsumedEvent",
    "DeadLetter",
    "EventConsumer",
    "EventPublisher",
    "ProducerConfigError",
    "RetryPolicy",
    "list_dead_letters",
    "replay_dead_letters",
    "send_to_dlq",
    "start_producer",
]
