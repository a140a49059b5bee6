"""Lock-free counters read at scrape time: the same exposition as prometheus_client's."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from common.counters import LoopCounter


def test_counts_are_exposed_as_counter_series() -> None:
    registry = CollectorRegistry()
    lookups = LoopCounter("demo_lookups_total", "Lookups", ("level", "result"), registry=registry)
    hit = lookups.labels("local", "hit")
    hit.inc()
    hit.inc()
    lookups.labels("redis", "miss").inc(3)
    text = generate_latest(registry).decode()
    assert "# TYPE demo_lookups_total counter" in text
    assert 'demo_lookups_total{level="local",result="hit"} 2.0' in text
    assert 'demo_lookups_total{level="redis",result="miss"} 3.0' in text
    assert lookups.labels("local", "hit") is hit, "a series is kept, not created again"


def test_the_name_is_reserved_and_labels_are_checked() -> None:
    registry = CollectorRegistry()
    lookups = LoopCounter("demo_total", "Demo", ("level",), registry=registry)
    with pytest.raises(ValueError, match="Duplicated timeseries"):
        LoopCounter("demo_total", "Demo", ("level",), registry=registry)
    with pytest.raises(ValueError, match="takes labels"):
        lookups.labels("a", "b")
