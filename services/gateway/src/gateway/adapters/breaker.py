"""A circuit breaker per upstream: fail fast while a service is down, probe it now and then."""

from __future__ import annotations

import time
from dataclasses import dataclass

from prometheus_client import Gauge

BREAKER_OPEN = Gauge("gateway_upstream_breaker_open", "1 while the circuit is open", ["upstream"])


@dataclass(slots=True)
class CircuitBreaker:
    """Opens after ``failures`` consecutive failures; after ``reset_after`` lets one probe by."""

    name: str
    failures: int = 5
    reset_after: float = 5.0
    _consecutive: int = 0
    _opened_at: float | None = None
    _probing: bool = False

    @property
    def is_open(self) -> bool:
        """Whether calls are refused right now (without claiming the probe)."""
        if self._opened_at is None:
            return False
        return time.monotonic() - self._opened_at < self.reset_after or self._probing

    def allow(self) -> bool:
        """Whether a call may go out; in the half-open state only one probe at a time."""
        if self._opened_at is None:
            return True
        if time.monotonic() - self._opened_at < self.reset_after or self._probing:
            return False
        self._probing = True
        return True

    def succeeded(self) -> None:
        """A call worked: close the circuit."""
        if self._opened_at is not None:
            BREAKER_OPEN.labels(self.name).set(0)
        self._consecutive = 0
        self._opened_at = None
        self._probing = False

    def failed(self) -> None:
        """A call failed: count it, open (or re-open) the circuit when over the threshold."""
        self._consecutive += 1
        self._probing = False
        if self._consecutive >= self.failures or self._opened_at is not None:
            self._opened_at = time.monotonic()
            BREAKER_OPEN.labels(self.name).set(1)
