"""Circuit breakers: only real upstream faults count, per route, with one probe at a time."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable, Mapping

import pytest

from gateway.adapters.breaker import MAX_ROUTES, CircuitBreaker, UpstreamBreakers, route_class
from gateway.adapters.upstream import (
    Upstream,
    UpstreamConnectError,
    UpstreamRequest,
    UpstreamResponse,
)
from gateway.domain.errors import UpstreamUnavailableError

Handler = Callable[[str], UpstreamResponse | Awaitable[UpstreamResponse]]


def _answer(status: int, headers: Mapping[str, str] | None = None) -> UpstreamResponse:
    return UpstreamResponse(status, dict(headers or {}), b"{}")


class FakeSender:
    """Answers each request path with ``handler`` (which may raise, or wait)."""

    base_url = "http://up"

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.seen: list[str] = []

    async def __call__(self, request: UpstreamRequest) -> UpstreamResponse:
        self.seen.append(request.path)
        answer = self.handler(request.path)
        return await answer if inspect.isawaitable(answer) else answer

    async def aclose(self) -> None:
        pass


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


def test_route_class_folds_ids_and_bounds_depth() -> None:
    assert route_class("/api/v1/articles/9223372036854775808") == "/api/v1/articles/#"
    assert route_class("/api/v1/articles/7/comments") == "/api/v1/articles/#"
    assert route_class("/api/v1/comments/latest?section=1") == "/api/v1/comments/latest"


def test_route_circuits_are_bounded() -> None:
    breakers = UpstreamBreakers("t", failures=1)
    for n in range(MAX_ROUTES + 10):
        breakers.route_failed(f"/r{n}")
    assert len(breakers.routes) == MAX_ROUTES + 1  # the rest share one overflow circuit


def _upstream(handler: Handler, *, reset_after: float = 5.0) -> tuple[Upstream, list[str]]:
    sender = FakeSender(handler)
    breakers = UpstreamBreakers("t", failures=5, reset_after=reset_after)
    return Upstream(name="t", sender=sender, breaker=breakers, retries=0), sender.seen


async def _hammer(upstream: Upstream, path: str, times: int) -> list[int]:
    return [(await upstream.request("GET", path)).status_code for _ in range(times)]


@pytest.mark.parametrize("status", [400, 404, 422, 429, 500])
async def test_caller_errors_and_bugs_never_open_a_circuit(status: int) -> None:
    upstream, seen = _upstream(lambda _: _answer(status))
    assert await _hammer(upstream, "/api/v1/articles/9223372036854775808", 20) == [status] * 20
    assert len(seen) == 20  # every one reached the service
    assert not upstream.breaker.is_open
    assert upstream.breaker.open_routes() == []


async def test_a_failing_route_fails_fast_alone() -> None:
    def handler(path: str) -> UpstreamResponse:
        if path.startswith("/api/v1/search"):
            return _answer(503, {"retry-after": "1"})
        return _answer(200)

    upstream, seen = _upstream(handler)
    assert await _hammer(upstream, "/api/v1/search", 5) == [503] * 5
    with pytest.raises(UpstreamUnavailableError):
        await upstream.request("GET", "/api/v1/search")
    assert len(seen) == 5  # refused without a call
    assert upstream.breaker.open_routes() == ["/api/v1/search"]
    assert (await upstream.request("GET", "/api/v1/articles/1")).status_code == 200
    assert not upstream.breaker.is_open


async def test_an_unreachable_upstream_is_cut_off_for_every_route() -> None:
    def refuse(path: str) -> UpstreamResponse:
        raise UpstreamConnectError("refused")

    upstream, seen = _upstream(refuse)
    for _ in range(5):
        with pytest.raises(UpstreamUnavailableError):
            await upstream.request("GET", "/api/v1/sections")
    assert upstream.breaker.is_open
    with pytest.raises(UpstreamUnavailableError, match="circuit open"):
        await upstream.request("GET", "/api/v1/articles/1")
    assert len(seen) == 5


async def test_half_open_lets_one_probe_at_a_time_and_closes_on_success() -> None:
    healthy = asyncio.Event()
    release = asyncio.Event()

    async def answer(path: str) -> UpstreamResponse:
        if not healthy.is_set():
            return _answer(502)
        await release.wait()
        return _answer(200)

    upstream, _ = _upstream(answer, reset_after=0.05)
    breakers = upstream.breaker
    assert await _hammer(upstream, "/api/v1/hot", 5) == [502] * 5
    healthy.set()
    await asyncio.sleep(0.06)
    probe = asyncio.create_task(upstream.request("GET", "/api/v1/hot"))
    await asyncio.sleep(0.01)
    with pytest.raises(UpstreamUnavailableError):  # the probe is out: everyone else waits
        await upstream.request("GET", "/api/v1/hot")
    release.set()
    assert (await probe).status_code == 200
    assert (await upstream.request("GET", "/api/v1/hot")).status_code == 200
    assert breakers.open_routes() == []


async def test_a_cancelled_probe_frees_the_slot() -> None:
    stall = asyncio.Event()

    async def answer(path: str) -> UpstreamResponse:
        if stall.is_set():
            await asyncio.sleep(10)
        return _answer(504)

    upstream, _ = _upstream(answer, reset_after=0.05)
    assert await _hammer(upstream, "/api/v1/hot", 5) == [504] * 5
    stall.set()
    await asyncio.sleep(0.06)
    probe = asyncio.create_task(upstream.request("GET", "/api/v1/hot"))
    await asyncio.sleep(0.01)
    probe.cancel()
    with pytest.raises(asyncio.CancelledError):
        await probe
    stall.clear()
    # the next caller becomes the probe instead of finding the circuit stuck open
    assert (await upstream.request("GET", "/api/v1/hot")).status_code == 504
