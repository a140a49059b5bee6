"""Every HTTP route of every service and of the gateway, read from the apps themselves."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

from starlette.routing import BaseRoute, Mount, Route

SERVICES = ("gateway", "articles", "comments", "analytics")
IGNORED_METHODS = frozenset({"HEAD", "OPTIONS"})


def _flatten(routes: list[BaseRoute]) -> Iterator[tuple[str, frozenset[str]]]:
    for route in routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if contexts is not None:  # a router included into the app (FastAPI keeps it nested)
            for ctx in contexts():
                yield ctx.path, frozenset(ctx.methods or ())
        elif isinstance(route, Route):
            yield route.path, frozenset(route.methods or ())
        elif isinstance(route, Mount):
            yield route.path + "/{path:path}", frozenset({"GET"})


def _app(service: str) -> Any:
    return importlib.import_module(f"{service}.main").create_app()


def route_table(service: str) -> set[tuple[str, str]]:
    """(method, path template) of every route of a service's app."""
    app = _app(service)
    table = set()
    for path, methods in _flatten(app.routes):
        table.update((m, path) for m in methods - IGNORED_METHODS)
    return table


def api_routes(service: str) -> Iterator[Any]:
    """Every FastAPI route of a service's app (with its ``dependant``: handler and dependencies),
    including those of routers included into it."""
    for route in _app(service).routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if contexts is not None:
            yield from contexts()
        elif hasattr(route, "dependant"):
            yield route
