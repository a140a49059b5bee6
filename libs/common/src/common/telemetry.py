"""One call to configure traces and metrics; trace context in Kafka headers."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import IO, Any

from fastapi import FastAPI
from opentelemetry import context, propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
)
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ParentBased, Sampler, TraceIdRatioBased
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest, start_http_server
from starlette.responses import Response

from common.auth import Admin
from common.settings import ServiceSettings

KafkaHeaders = Sequence[tuple[str, bytes]]
_configured: set[str] = set()
_span_files: list[IO[str]] = []


def _span_line(span: ReadableSpan) -> str:
    return json.dumps(json.loads(span.to_json()), ensure_ascii=False) + "\n"


def configure_telemetry(settings: ServiceSettings, *, app: FastAPI | None = None) -> None:
    """Set up the tracer and meter providers once per process; instrument ``app``."""
    if "providers" not in _configured:
        _configured.add("providers")
        if settings.tracing:
            trace.set_tracer_provider(_tracer_provider(settings))
        # No OpenTelemetry meter provider: every metric is prometheus_client's, in base units
        # (the OTel instrumentations would add http_client_duration_milliseconds and the like).
        serve_metrics(settings)
    if app is not None and id(app) not in _instrumented_apps:
        # each request's server span is opened where it is counted (common.http_metrics)
        _instrumented_apps.add(id(app))
        app.add_api_route("/metrics", metrics_endpoint, include_in_schema=False)


def _tracer_provider(settings: ServiceSettings) -> TracerProvider:
    """Spans batched to the OTLP endpoint and/or written to the span file."""
    provider = TracerProvider(
        resource=Resource.create({"service.name": settings.service_name}),
        sampler=_sampler(settings),
    )
    if settings.otel_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        endpoint = f"{settings.otel_endpoint.rstrip('/')}/v1/traces"
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    if settings.otel_span_file:
        out = open(settings.otel_span_file, "a", encoding="utf-8")
        _span_files.append(out)
        exporter = ConsoleSpanExporter(out=out, formatter=_span_line)
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider


def _sampler(settings: ServiceSettings) -> Sampler:
    """The configured share of traces, or none when no span would be exported.

    Without an OTLP endpoint or a span file a recorded span went nowhere, yet opening it
    was about a fifth of a service's own CPU on a comment-counts read (py-spy). Trace ids
    are still made and passed on (``traceparent``, log lines); only recording stops.
    """
    if settings.otel_endpoint or settings.otel_span_file:
        return ParentBased(TraceIdRatioBased(settings.trace_sample_ratio))
    return ALWAYS_OFF


_instrumented_apps: set[int] = set()


async def metrics_endpoint(_: Admin) -> Response:
    """Every metric of the process in the Prometheus text format (operators only here)."""
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


_metrics_ports: set[int] = set()


def serve_metrics(settings: ServiceSettings) -> None:
    """Serve ``/metrics`` on the metrics port, if set, bound like the service (loopback).

    This is what Prometheus scrapes: no token, and never on the public port. A thread of
    prometheus_client answers it, so a scrape does not wait for the event loop.
    """
    port = settings.metrics_port
    if port is not None and port not in _metrics_ports:
        start_http_server(port, addr=settings.metrics_host)
        _metrics_ports.add(port)


def tracer(name: str) -> trace.Tracer:
    """The tracer for a module."""
    return trace.get_tracer(name)


def inject_headers() -> list[tuple[str, bytes]]:
    """The current trace context as Kafka headers."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return [(k, v.encode()) for k, v in carrier.items()]


def current_trace_carrier() -> dict[str, str]:
    """The current trace context as a plain dict (stored with outbox rows)."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def context_from_headers(headers: KafkaHeaders | Mapping[str, Any] | None) -> context.Context:
    """The trace context carried by Kafka headers (or a stored carrier)."""
    if not headers:
        return context.get_current()
    items = headers.items() if isinstance(headers, Mapping) else headers
    carrier = {k: (v.decode() if isinstance(v, bytes) else str(v)) for k, v in items}
    return propagate.extract(carrier)


@contextmanager
def attached(ctx: context.Context) -> Iterator[None]:
    """Run a block inside a given trace context."""
    token = context.attach(ctx)
    try:
        yield
    finally:
        context.detach(token)
