"""The Kafka probe asks a broker for the brokers only, and fails when none answers."""

from __future__ import annotations

import socket

import pytest
from aiokafka.errors import KafkaConnectionError
from aiokafka.protocol.metadata import MetadataRequest

from common.probes import KafkaProbe
from common.settings import ServiceSettings


async def test_the_probe_answers_without_asking_for_every_topic(
    common_settings: ServiceSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    probe = KafkaProbe(common_settings.kafka_bootstrap)
    try:
        await probe()  # connects, then asks once
        client = probe._client
        assert client is not None
        sent: list[object] = []
        send = client.send

        async def recording(node: object, request: object, **kwargs: object) -> object:
            sent.append(request)
            return await send(node, request, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(client, "send", recording)
        await probe()
        await probe()
    finally:
        await probe.close()
    assert len(sent) == 2
    assert all(isinstance(r, MetadataRequest) and r._topics == [] for r in sent), sent


async def test_the_probe_fails_where_no_broker_listens() -> None:
    with socket.socket() as placeholder:  # a port nothing answers on
        placeholder.bind(("127.0.0.1", 0))
        port = placeholder.getsockname()[1]
    probe = KafkaProbe(f"127.0.0.1:{port}")
    with pytest.raises(KafkaConnectionError):
        await probe()
    await probe.close()
