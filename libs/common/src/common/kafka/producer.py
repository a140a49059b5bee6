"""The idempotent producer every service publishes through."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from aiokafka import AIOKafkaProducer

from common.events import Envelope
from common.settings import ServiceSettings
from common.telemetry import inject_headers


class ProducerConfigError(RuntimeError):
    """The producer would not give the delivery guarantees the platform relies on."""


def producer_config(settings: ServiceSettings, *, client_id: str) -> dict[str, Any]:
    """Producer options: idempotent, acks from all in-sync replicas."""
    return {
        "bootstrap_servers": settings.kafka_bootstrap,
        "client_id": client_id,
        "enable_idempotence": True,
        "acks": "all",
        "linger_ms": 5,
        # view batches are JSON with repeated hashes and agents: lz4 cuts them to about a
        # fifth for little CPU, less for the producer to write and the broker to keep
        "compression_type": "lz4",
        "max_batch_size": 1 << 20,
        "max_request_size": 4 << 20,
        "request_timeout_ms": 30_000,
    }


def assert_safe_producer(producer: AIOKafkaProducer) -> None:
    """Refuse to run with a producer that could duplicate or drop on retry."""
    # aiokafka keeps these private; they are the only place the effective values live
    txn = getattr(producer, "_txn_manager", None)
    acks = getattr(getattr(producer, "_sender", None), "_acks", None)
    if txn is None or acks != -1:
        raise ProducerConfigError("producer must be idempotent with acks=all")


async def start_producer(settings: ServiceSettings, *, client_id: str) -> AIOKafkaProducer:
    """Create, start and check a producer; the caller stops it."""
    producer = AIOKafkaProducer(**producer_config(settings, client_id=client_id))
    await producer.start()
    try:
        assert_safe_producer(producer)
    except ProducerConfigError:
        await producer.stop()
        raise
    return producer


def envelope_headers(
    envelope: Envelope, trace_carrier: Mapping[str, str] | None = None
) -> list[tuple[str, bytes]]:
    """Routing headers plus the trace context (the stored one, else the current one)."""
    return routing_headers(
        envelope.event_type, envelope.event_version, str(envelope.event_id), trace_carrier
    )


def routing_headers(
    event_type: str,
    event_version: int,
    event_id: str,
    trace_carrier: Mapping[str, str] | None = None,
) -> list[tuple[str, bytes]]:
    """The headers consumers route on, plus the trace context."""
    headers = [
        ("event_type", event_type.encode()),
        ("event_version", str(event_version).encode()),
        ("event_id", event_id.encode()),
    ]
    if trace_carrier:
        headers += [(k, v.encode()) for k, v in trace_carrier.items()]
    else:
        headers += inject_headers()
    return headers


class EventPublisher:
    """Publishes envelopes to their topics with routing and trace headers."""

    def __init__(self, producer: AIOKafkaProducer, settings: ServiceSettings) -> None:
        self._producer = producer
        self._settings = settings

    async def publish(
        self,
        envelope: Envelope,
        *,
        topic: str,
        trace_carrier: Mapping[str, str] | None = None,
    ) -> None:
        """Publish one envelope and wait until the broker has it."""
        await self._producer.send_and_wait(
            self._settings.topic(topic),
            envelope.to_bytes(),
            key=envelope.key.encode(),
            headers=envelope_headers(envelope, trace_carrier),
        )

    async def publish_encoded(
        self,
        value: bytes,
        *,
        topic: str,
        key: str,
        event_type: str,
        event_version: int,
        event_id: str,
    ) -> None:
        """Publish an envelope already encoded (hot paths that skip building models)."""
        await self._producer.send_and_wait(
            self._settings.topic(topic),
            value,
            key=key.encode(),
            headers=routing_headers(event_type, event_version, event_id),
        )

    async def publish_many(
        self, items: Iterable[tuple[Envelope, str, Mapping[str, str] | None]]
    ) -> None:
        """Publish many envelopes; returns when the broker acknowledged them all."""
        futures: Sequence[Any] = [
            await self._producer.send(
                self._settings.topic(topic),
                envelope.to_bytes(),
                key=envelope.key.encode(),
                headers=envelope_headers(envelope, carrier),
            )
            for envelope, topic, carrier in items
        ]
        for future in futures:
            await future
