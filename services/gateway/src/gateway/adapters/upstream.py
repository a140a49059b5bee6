"""One pooled HTTP client per upstream: timeouts, safe retries, a circuit breaker, tracing."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

import httpx
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from prometheus_client import Counter, Histogram

from common.http import create_client
from gateway.adapters.breaker import CircuitBreaker
from gateway.domain.errors import UpstreamUnavailableError
from gateway.settings import Settings

log = logging.getLogger(__name__)
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRY_STATUSES = frozenset({502, 503, 504})
CALLS = Counter("gateway_upstream_calls_total", "Upstream calls", ["upstream", "outcome"])
LATENCY = Histogram("gateway_upstream_seconds", "Upstream call latency", ["upstream"])


class Upstream:
    """A backing service reached through its configured base URL only."""

    def __init__(
        self, *, name: str, client: httpx.AsyncClient, breaker: CircuitBreaker, retries: int
    ) -> None:
        self.name = name
        self.client = client
        self.breaker = breaker
        self.retries = retries

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: list[tuple[str, str]] | None = None,
        headers: Mapping[str, str] | None = None,
        content: bytes | None = None,
        time_limit: float | None = None,
    ) -> httpx.Response:
        """Send a request; retries idempotent ones, fails fast while the circuit is open."""
        if not path.startswith("/") or path.startswith("//"):
            raise ValueError(f"upstream path must be absolute: {path!r}")
        attempts = 1 + (self.retries if method in IDEMPOTENT else 0)
        for attempt in range(1, attempts + 1):
            if not self.breaker.allow():
                CALLS.labels(self.name, "circuit_open").inc()
                raise UpstreamUnavailableError(f"{self.name} is unavailable (circuit open)")
            try:
                response = await self._send(method, path, params, headers, content, time_limit)
            except httpx.TransportError as exc:
                self.breaker.failed()
                CALLS.labels(self.name, "error").inc()
                retry_safe = method in IDEMPOTENT or isinstance(exc, httpx.ConnectError)
                if attempt < attempts and retry_safe:
                    await asyncio.sleep(0.02 * attempt)
                    continue
                raise UpstreamUnavailableError(f"{self.name} is unavailable: {exc!r}") from exc
            if response.status_code >= 500:
                self.breaker.failed()
                CALLS.labels(self.name, "5xx").inc()
                if attempt < attempts and response.status_code in RETRY_STATUSES:
                    await asyncio.sleep(0.02 * attempt)
                    continue
            else:
                self.breaker.succeeded()
                CALLS.labels(self.name, "ok").inc()
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    async def _send(
        self,
        method: str,
        path: str,
        params: list[tuple[str, str]] | None,
        headers: Mapping[str, str] | None,
        content: bytes | None,
        time_limit: float | None,
    ) -> httpx.Response:
        with LATENCY.labels(self.name).time():
            return await self.client.request(
                method,
                path,
                params=tuple(params) if params else None,
                headers=headers,
                content=content,
                timeout=time_limit if time_limit is not None else httpx.USE_CLIENT_DEFAULT,
            )


def create_upstreams(settings: Settings) -> dict[str, Upstream]:
    """One upstream per configured service, each with its own pool and breaker."""
    upstreams = {}
    for name, url in settings.upstream_urls().items():
        client = create_client(
            base_url=url,
            timeout=settings.upstream_timeout,
            connect_timeout=settings.upstream_connect_timeout,
        )
        HTTPXClientInstrumentor.instrument_client(client)  # traceparent goes out with every call
        upstreams[name] = Upstream(
            name=name,
            client=client,
            breaker=CircuitBreaker(
                name, failures=settings.breaker_failures, reset_after=settings.breaker_reset_seconds
            ),
            retries=settings.upstream_retries,
        )
    return upstreams
