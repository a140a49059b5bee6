"""What a process can reach, and gauges sampled from its database, every few seconds.

Alerts need numbers that no request produces: whether Redis and Kafka answer this
process, how old the oldest waiting comment is. A :class:`ProbeLoop` runs in the
background of every process and keeps such gauges current for Prometheus.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager

from aiokafka import AIOKafkaClient
from aiokafka.errors import KafkaConnectionError
from aiokafka.protocol.metadata import MetadataRequest
from prometheus_client import Gauge

log = logging.getLogger(__name__)

DEPENDENCY_UP = Gauge(
    "newsroom_dependency_up",
    "1 if the last probe of the dependency answered, else 0",
    ["dependency"],
)
# readiness check names that are dependencies (and the label they get); others are not
DEPENDENCY_CHECKS = {"postgres": "postgres", "database": "postgres", "redis": "redis"}
PROBE_TIMEOUT = 2.0

Probe = Callable[[], Awaitable[object]]
Sampler = Callable[[], Awaitable[None]]


class KafkaProbe:
    """Asks a broker for the list of brokers over one long-lived client.

    Only brokers, no topics: every topic's metadata (what ``fetch_all_metadata`` asks
    for) grows with the cluster, and decoding it every five seconds was about 3% of a
    busy service process's CPU on a broker with a few hundred topics.
    """

    def __init__(self, bootstrap_servers: str) -> None:
        self._servers = bootstrap_servers
        self._client: AIOKafkaClient | None = None

    async def __call__(self) -> None:
        """Raise unless a broker answered."""
        if self._client is None:
            client = AIOKafkaClient(bootstrap_servers=self._servers, request_timeout_ms=2000)
            try:
                await client.bootstrap()
            except BaseException:
                await client.close()
                raise
            self._client = client
        node = self._client.get_random_node()
        if node is None:
            raise KafkaConnectionError("no broker is known")
        await self._client.send(node, MetadataRequest([]))

    async def close(self) -> None:
        """Close the client, if one was made."""
        if self._client is not None:
            await self._client.close()
            self._client = None


async def _answers(probe: Probe) -> bool:
    try:
        await asyncio.wait_for(probe(), PROBE_TIMEOUT)
    except Exception:  # any failure means "not reachable"; the reason is in the logs
        return False
    return True


class ProbeLoop:
    """Every ``interval`` seconds: probe each dependency, then run each sampler."""

    def __init__(
        self,
        *,
        probes: Mapping[str, Probe],
        samplers: Sequence[Sampler] = (),
        interval: float = 5.0,
    ) -> None:
        self._probes = dict(probes)
        self._samplers = list(samplers)
        self._interval = interval
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        """Return from :meth:`run` at the next tick."""
        self._stopping.set()

    async def probe_once(self) -> None:
        """One round of probes and samplers."""
        results = await asyncio.gather(*(_answers(p) for p in self._probes.values()))
        for name, up in zip(self._probes, results, strict=True):
            DEPENDENCY_UP.labels(name).set(1 if up else 0)
        for sampler in self._samplers:
            try:
                await asyncio.wait_for(sampler(), self._interval)
            except Exception:  # a sample is skipped, never the loop
                log.warning("metric sampler %r failed", sampler, exc_info=True)

    async def run(self) -> None:
        """Probe until stopped."""
        while not self._stopping.is_set():
            await self.probe_once()
            try:
                await asyncio.wait_for(self._stopping.wait(), self._interval)
            except TimeoutError:
                pass


def dependency_probes(checks: Mapping[str, Probe], kafka: KafkaProbe | None) -> dict[str, Probe]:
    """The readiness checks that are dependencies, under their dependency's name, and Kafka."""
    probes = {DEPENDENCY_CHECKS[n]: c for n, c in checks.items() if n in DEPENDENCY_CHECKS}
    if kafka is not None:
        probes["kafka"] = kafka
    return probes


@asynccontextmanager
async def probing(
    *, checks: Mapping[str, Probe], kafka_bootstrap: str, samplers: Sequence[Sampler] = ()
) -> AsyncIterator[ProbeLoop]:
    """A probe loop (dependencies of ``checks``, Kafka, ``samplers``) running for the block."""
    kafka = KafkaProbe(kafka_bootstrap)
    loop = ProbeLoop(probes=dependency_probes(checks, kafka), samplers=samplers)
    task = asyncio.create_task(loop.run(), name="probes")
    try:
        yield loop
    finally:
        loop.stop()
        await asyncio.wait({task}, timeout=5)
        task.cancel()
        await kafka.close()
