"""The request's server span: named by route, child of the caller's span, status recorded."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from common import http_spans
from common.http_metrics import HttpMetricsMiddleware

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"


@pytest.fixture
def finished(monkeypatch: pytest.MonkeyPatch) -> Iterator[InMemorySpanExporter]:
    """Every request span ended during the test (a recording tracer of the test's own:
    the process's provider records nothing when no exporter is configured)."""
    provider = TracerProvider()
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(http_spans, "_tracer", provider.get_tracer(http_spans.__name__))
    yield exporter
    exporter.shutdown()


def _app() -> FastAPI:
    app = FastAPI(telemetry={"tracing": False, "metrics": False, "logs": False})
    seen: dict[str, object] = {}

    @app.get("/items/{item_id}")
    async def item(item_id: int) -> dict[str, object]:
        seen["current"] = trace.get_current_span().get_span_context().span_id
        return {"id": item_id}

    @app.get("/broken")
    async def broken() -> None:
        raise RuntimeError("a bug")

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app.add_middleware(HttpMetricsMiddleware)
    app.state.seen = seen
    return app


async def _get(app: FastAPI, path: str, headers: dict[str, str] | None = None) -> int:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return (await client.get(path, headers=headers)).status_code


def _only(exporter: InMemorySpanExporter) -> ReadableSpan:
    [span] = exporter.get_finished_spans()
    return span


async def test_the_span_is_named_by_route_and_continues_the_callers_trace(
    finished: InMemorySpanExporter,
) -> None:
    app = _app()
    traceparent = f"00-{TRACE_ID}-{CALLER_SPAN}-01"
    assert await _get(app, "/items/7", {"traceparent": traceparent}) == 200
    span = _only(finished)
    assert span.name == "GET /items/{item_id}"
    assert span.kind is SpanKind.SERVER
    assert format(span.context.trace_id, "032x") == TRACE_ID
    assert span.parent is not None
    assert format(span.parent.span_id, "016x") == CALLER_SPAN
    assert dict(span.attributes or {}) == {
        "http.request.method": "GET",
        "url.path": "/items/7",
        "http.route": "/items/{item_id}",
        "http.response.status_code": 200,
    }
    assert app.state.seen["current"] == span.context.span_id  # current inside the handler


async def test_a_request_without_a_caller_starts_a_trace(
    finished: InMemorySpanExporter,
) -> None:
    assert await _get(_app(), "/items/8") == 200
    assert _only(finished).parent is None


async def test_an_unrouted_request_is_named_by_its_method(
    finished: InMemorySpanExporter,
) -> None:
    assert await _get(_app(), "/nowhere") == 404
    span = _only(finished)
    assert span.name == "GET"
    assert span.attributes is not None
    assert span.attributes["http.response.status_code"] == 404
    assert span.status.status_code is StatusCode.UNSET


async def test_an_exception_is_an_error_span_with_the_exception(
    finished: InMemorySpanExporter,
) -> None:
    assert await _get(_app(), "/broken") == 500
    span = _only(finished)
    assert span.name == "GET /broken"
    assert span.status.status_code is StatusCode.ERROR
    assert [e.attributes["exception.type"] for e in span.events if e.attributes] == ["RuntimeError"]


async def test_probes_have_no_span(finished: InMemorySpanExporter) -> None:
    assert await _get(_app(), "/healthz") == 200
    assert finished.get_finished_spans() == ()
