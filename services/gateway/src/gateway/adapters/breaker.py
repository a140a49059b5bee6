"""Circuit breakers: fail fast while an upstream or one of its routes is down, probe now and then.

Two levels, so one client cannot open a circuit for everyone:

- the upstream's own circuit counts only connection failures (refused, connect timeout):
  the process is unreachable, so every route of it is;
- one circuit per route class (``/articles/#``) counts read timeouts and 502/503/504
  answers of that route: a slow or failing route fails fast alone.

4xx answers are the caller's fault and a 500 is a bug in answering that one request
(logged as such by the caller of these breakers); neither counts. Every open circuit lets
one probe through after ``reset_after``; the probe's outcome closes or re-opens it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from prometheus_client import Gauge

BREAKER_OPEN = Gauge("gateway_upstream_breaker_open", "1 while the circuit is open", ["upstream"])
ROUTES_OPEN = Gauge(
    "gateway_upstream_route_breakers_open", "Route circuits open right now", ["upstream"]
)
MAX_ROUTES = 64  # route circuits tracked per upstream; beyond, failures share one
OVERFLOW = "/…"


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

    @property
    def idle(self) -> bool:
        """Closed with no failure counted: nothing worth keeping."""
        return self._opened_at is None and self._consecutive == 0

    def allow(self) -> bool:
        """Whether a call may go out; in the half-open state only one probe at a time."""
        if self._opened_at is None:
            return True
        if time.monotonic() - self._opened_at < self.reset_after or self._probing:
            return False
        self._probing = True
        return True

    def release(self) -> None:
        """The call let through ended without a verdict (cancelled): free the probe slot."""
        self._probing = False

    def succeeded(self) -> None:
        """A call worked: close the circuit."""
        self._consecutive = 0
        self._opened_at = None
        self._probing = False

    def failed(self) -> None:
        """A call failed: count it, open (or re-open) the circuit when over the threshold."""
        self._consecutive += 1
        self._probing = False
        if self._consecutive >= self.failures or self._opened_at is not None:
            self._opened_at = time.monotonic()


@dataclass(slots=True)
class UpstreamBreakers:
    """The upstream's connection circuit plus one circuit per route class."""

    name: str
    failures: int = 5
    reset_after: float = 5.0
    connection: CircuitBreaker = field(init=False)
    routes: dict[str, CircuitBreaker] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.connection = CircuitBreaker(self.name, self.failures, self.reset_after)

    @property
    def is_open(self) -> bool:
        """Whether the whole upstream is cut off (its connection circuit is open)."""
        return self.connection.is_open

    def open_routes(self) -> list[str]:
        """Route classes whose circuit is open right now."""
        return sorted(r for r, b in self.routes.items() if b.is_open)

    def allow(self, route: str) -> bool:
        """Whether a call to ``route`` may go out (claims at most one probe per circuit)."""
        if not self.connection.allow():
            return False
        breaker = self.routes.get(self._key(route))
        if breaker is not None and not breaker.allow():
            self.connection.release()
            return False
        return True

    def release(self, route: str) -> None:
        """A call let through was cancelled: free any probe it held."""
        self.connection.release()
        breaker = self.routes.get(self._key(route))
        if breaker is not None:
            breaker.release()

    def answered(self, route: str) -> None:
        """The upstream answered (anything but 502/503/504): both circuits close."""
        changed = not self.connection.idle
        self.connection.succeeded()
        if self.routes and self.routes.pop(self._key(route), None) is not None:
            changed = True
        if changed:  # the common case (all closed) costs no metric update
            self._publish()

    def unreachable(self, route: str) -> None:
        """Connecting failed: the process is down for every route."""
        self.connection.failed()
        self._publish()

    def route_failed(self, route: str) -> None:
        """The upstream was reached but the route timed out or answered 502/503/504."""
        self.connection.succeeded()
        key = self._key(route)
        if key not in self.routes:
            self.routes[key] = CircuitBreaker(f"{self.name} {key}", self.failures, self.reset_after)
        self.routes[key].failed()
        self._publish()

    def _key(self, route: str) -> str:
        if route in self.routes or len(self.routes) < MAX_ROUTES:
            return route
        return OVERFLOW

    def _publish(self) -> None:
        BREAKER_OPEN.labels(self.name).set(1 if self.connection.is_open else 0)
        ROUTES_OPEN.labels(self.name).set(sum(1 for b in self.routes.values() if b.is_open))


def route_class(path: str) -> str:
    """The route a path belongs to: numeric segments as ``#``, at most four segments."""
    segments = path.split("?", 1)[0].split("/")[1:5]
    return "/" + "/".join("#" if s.isdigit() else s for s in segments)
