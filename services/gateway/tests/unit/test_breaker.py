"""The circuit breaker opens after failures and lets one probe through later."""

from __future__ import annotations

import time

from gateway.adapters.breaker import CircuitBreaker


def test_opens_after_consecutive_failures_then_probes_once() -> None:
    breaker = CircuitBreaker("t", failures=2, reset_after=0.05)
    breaker.failed()
    assert breaker.allow()
    breaker.failed()
    assert not breaker.allow()
    time.sleep(0.06)
    assert breaker.allow()  # the probe
    assert not breaker.allow()  # only one at a time
    breaker.succeeded()
    assert breaker.allow()
    assert not breaker.is_open
