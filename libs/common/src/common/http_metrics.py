"""HTTP server request metrics that cost a few additions per request.

``observe`` adds to plain integers; Prometheus reads them at scrape time as the
histogram ``http_server_request_duration_seconds`` with OpenTelemetry's stable label
names (method, route template, status code), so dashboards read one series shape.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections.abc import Iterator

from prometheus_client.core import REGISTRY, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from common.http_spans import end_server_span, start_server_span

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)
LABELS = ("http_request_method", "http_route", "http_response_status_code")
NAME = "http_server_request_duration_seconds"
UNMEASURED_PATHS = ("/metrics", "/healthz", "/readyz")  # probes and scrapes


class HttpServerMetrics(Collector):
    """Request counts and durations by (method, route template, status)."""

    def __init__(self) -> None:
        # per label set: one count per bucket (the last is +Inf), then the sum of seconds
        self._series: dict[tuple[str, str, int], list[float]] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request."""
        series = self._series.get((method, route, status))
        if series is None:
            series = self._series[(method, route, status)] = [0.0] * (len(BUCKETS) + 2)
        series[bisect_left(BUCKETS, seconds)] += 1
        series[-1] += seconds

    def collect(self) -> Iterator[Metric]:
        """The histogram, cumulative as Prometheus expects."""
        family = HistogramMetricFamily(
            NAME.removesuffix("_seconds"),
            "Duration of HTTP server requests",
            labels=LABELS,
            unit="seconds",
        )
        for (method, route, status), series in list(self._series.items()):
            cumulative, buckets = 0.0, []
            for bound, count in zip((*BUCKETS, float("inf")), series[:-1], strict=True):
                cumulative += count
                buckets.append((_bound(bound), cumulative))
            family.add_metric([method, route, str(status)], buckets, series[-1])
        yield family


def _bound(bound: float) -> str:
    return "+Inf" if bound == float("inf") else repr(bound)


HTTP_SERVER = HttpServerMetrics()
REGISTRY.register(HTTP_SERVER)


def route_of(scope: Scope) -> str:
    """The route template that answered (``/api/v1/articles/{article_id}``), or ``""``."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else ""


class HttpMetricsMiddleware:
    """Observes every HTTP request the app answers into :data:`HTTP_SERVER`."""

    def __init__(self, app: ASGIApp, *, excluded: tuple[str, ...] = UNMEASURED_PATHS) -> None:
        self.app = app
        self._excluded = excluded

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self._excluded):
            await self.app(scope, receive, send)
            return
        await observed(self.app, scope, receive, send)


async def observed(app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    """Run ``app`` for one request and count it, whatever it answers (500 if it raises)."""
    started = time.perf_counter()
    status = 500
    error: BaseException | None = None
    span, token = start_server_span(scope)

    async def send_status(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        await send(message)

    try:
        await app(scope, receive, send_status)
    except BaseException as exc:
        error = exc
        raise
    finally:
        method, route = scope["method"], route_of(scope)
        HTTP_SERVER.observe(method, route, status, time.perf_counter() - started)
        end_server_span(span, token, method=method, route=route, status=status, error=error)
