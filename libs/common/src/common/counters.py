"""Counters for the hottest paths: an addition to a plain number, summed when scraped.

prometheus_client's ``Counter`` takes a lock on every ``inc``. A service's request path
runs on one event-loop thread, so a plain attribute addition is enough there; Prometheus
reads the numbers at scrape time, as the same counter series (``<name>_total``).
Use these only where every ``inc`` runs on the event loop's thread.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import REGISTRY, CounterMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry


class Count:
    """One labelled series."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0.0

    def inc(self, amount: float = 1.0) -> None:
        """Add ``amount`` (one by default)."""
        self.value += amount


class LoopCounter(Collector):
    """A labelled counter family (``name`` without ``_total``), like ``Counter.labels``."""

    def __init__(
        self,
        name: str,
        documentation: str,
        labels: tuple[str, ...],
        *,
        registry: CollectorRegistry | None = REGISTRY,
    ) -> None:
        self._name = name.removesuffix("_total")
        self._documentation = documentation
        self._labels = labels
        self._series: dict[tuple[str, ...], Count] = {}
        if registry is not None:
            registry.register(self)

    def labels(self, *values: str) -> Count:
        """The series of these label values, created at first use and kept."""
        if len(values) != len(self._labels):
            raise ValueError(f"{self._name} takes labels {self._labels}, got {values}")
        count = self._series.get(values)
        if count is None:
            count = self._series[values] = Count()
        return count

    def collect(self) -> Iterator[Metric]:
        """Every series' total."""
        family = CounterMetricFamily(self._name, self._documentation, labels=self._labels)
        for values, count in list(self._series.items()):
            family.add_metric(list(values), count.value)
        yield family

    def describe(self) -> Iterator[Metric]:
        """The family without samples: its name is reserved in the registry at once."""
        yield CounterMetricFamily(self._name, self._documentation, labels=self._labels)
