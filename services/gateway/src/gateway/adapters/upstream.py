"""One pooled HTTP client per upstream: timeouts, safe retries, circuit breakers, tracing."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

import httpx
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from prometheus_client import Counter, Histogram

from common.http import create_client
from gateway.adapters.breaker import UpstreamBreakers, route_class
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
        self, *, name: str, client: httpx.AsyncClient, breaker: UpstreamBreakers, retries: int
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
        route = route_class(path)
        for attempt in range(1, attempts + 1):
            if not self.breaker.allow(route):
                CALLS.labels(self.name, "circuit_open").inc()
                raise UpstreamUnavailableError(f"{self.name} {route} is unavailable (circuit open)")
            try:
                response = await self._send(method, path, params, headers, content, time_limit)
            except httpx.TransportError as exc:
                self._transport_failed(route, exc)
                retry_safe = method in IDEMPOTENT or isinstance(exc, httpx.ConnectError)
                if attempt < attempts and retry_safe:
                    await asyncio.sleep(0.02 * attempt)
                    continue
                raise UpstreamUnavailableError(f"{self.name} is unavailable: {exc!r}") from exc
            except BaseException:
                self.breaker.release(route)  # cancelled: a probe it held must not stay claimed
                raise
            if self._judge(route, response, method, path) and attempt < attempts:
                await asyncio.sleep(0.02 * attempt)
                continue
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _judge(self, route: str, response: httpx.Response, method: str, path: str) -> bool:
        """Count an answer against the circuits; True when it is a fault worth retrying."""
        status = response.status_code
        if status in RETRY_STATUSES:
            self.breaker.route_failed(route)
            CALLS.labels(self.name, "5xx").inc()
            return True
        self.breaker.answered(route)
        if status >= 500:
            # answered, so not down: a 500 is a bug in serving this one request, and must
            # not let one caller's bad input cut the service off for everyone
            CALLS.labels(self.name, "5xx").inc()
            log.error("upstream bug: %s answered %s to %s %s", self.name, status, method, path)
        else:
            CALLS.labels(self.name, "ok").inc()
        return False

    def _transport_failed(self, route: str, exc: httpx.TransportError) -> None:
        CALLS.labels(self.name, "error").inc()
        if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
            self.breaker.unreachable(route)
        else:  # reached but slow or cut off: this route only
            self.breaker.route_failed(route)

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
            breaker=UpstreamBreakers(
                name, failures=settings.breaker_failures, reset_after=settings.breaker_reset_seconds
            ),
            retries=settings.upstream_retries,
        )
    return upstreams
