"""Trace sampling: the share recorded where a trace starts; downstream follows the caller."""

from __future__ import annotations

import pytest
from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags
from pydantic import ValidationError

from common.settings import ServiceSettings
from common.telemetry import _tracer_provider


def _settings(ratio: float, **exporting: str) -> ServiceSettings:
    exporting = exporting or {"otel_endpoint": "http://127.0.0.1:4318"}  # never reached
    return ServiceSettings(service_name="sampling-test", trace_sample_ratio=ratio, **exporting)


def _remote_parent(sampled: bool) -> trace.Span:
    flags = TraceFlags(TraceFlags.SAMPLED if sampled else TraceFlags.DEFAULT)
    return NonRecordingSpan(SpanContext(0xABC, 0xDEF, is_remote=True, trace_flags=flags))


def test_every_trace_is_recorded_by_default() -> None:
    tracer = _tracer_provider(_settings(1.0)).get_tracer("t")
    assert all(tracer.start_span("root").is_recording() for _ in range(200))


def test_nothing_is_recorded_without_an_exporter_yet_trace_ids_are_passed_on() -> None:
    quiet = ServiceSettings(service_name="sampling-test")
    assert quiet.otel_endpoint is None
    assert quiet.otel_span_file is None
    tracer = _tracer_provider(quiet).get_tracer("t")
    assert not any(tracer.start_span("root").is_recording() for _ in range(200))
    context = trace.set_span_in_context(_remote_parent(sampled=True))
    child = tracer.start_span("child", context=context)
    assert not child.is_recording()
    assert child.get_span_context().trace_id == 0xABC, "the caller's trace goes on"
    assert tracer.start_span("root").get_span_context().is_valid, "new traces get ids"
    recorded = _tracer_provider(_settings(1.0, otel_span_file="/dev/null")).get_tracer("t")
    assert recorded.start_span("root").is_recording(), "a span file is an exporter too"


def test_the_ratio_is_the_share_of_new_traces_recorded() -> None:
    tracer = _tracer_provider(_settings(0.25)).get_tracer("t")
    recorded = sum(tracer.start_span("root").is_recording() for _ in range(4000))
    assert 800 < recorded < 1200  # 1,000 expected


def test_a_span_follows_its_callers_decision_whatever_the_ratio() -> None:
    for ratio, parent_sampled in ((0.0, True), (1.0, False)):
        tracer = _tracer_provider(_settings(ratio)).get_tracer("t")
        context = trace.set_span_in_context(_remote_parent(parent_sampled))
        assert tracer.start_span("child", context=context).is_recording() is parent_sampled


@pytest.mark.parametrize("ratio", [-0.1, 1.5])
def test_a_ratio_outside_zero_to_one_is_refused(ratio: float) -> None:
    with pytest.raises(ValidationError, match="trace_sample_ratio"):
        _settings(ratio)
