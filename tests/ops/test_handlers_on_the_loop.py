"""Every route handler and dependency is a coroutine function.

FastAPI runs a plain ``def`` handler or dependency in a worker thread: a thread hand-off
and a GIL contest on every request that uses it, for code that never blocks (they read
``app.state``). One slipped in once (the gateway's context dependency, on every route);
this keeps them out.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

import pytest

from tests.security.route_tables import SERVICES, api_routes


def _calls(dependant: Any) -> Iterator[Any]:
    if dependant.call is not None:
        yield dependant.call
    for sub in dependant.dependencies:
        yield from _calls(sub)


def _is_async(call: Any) -> bool:
    if inspect.isroutine(call):
        return inspect.iscoroutinefunction(call)
    return inspect.iscoroutinefunction(type(call).__call__)  # a dependency object


@pytest.mark.parametrize("service", SERVICES)
def test_no_handler_or_dependency_runs_in_a_worker_thread(service: str) -> None:
    routes = list(api_routes(service))
    assert routes, f"{service}: no routes found"
    in_threads = sorted(
        {
            f"{route.path}: {getattr(call, '__qualname__', call)}"
            for route in routes
            for call in _calls(route.dependant)
            if not _is_async(call)
        }
    )
    assert not in_threads, f"{service}: plain def handlers or dependencies: {in_threads}"
