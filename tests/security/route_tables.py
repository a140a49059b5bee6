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


def route_table(service: str) -> set[tuple[str, str]]:
    """(method, path template) of every route of a service's app."""
    app: Any = importlib.import_module(f"{service}.main").create_app()
    table = set()
    for path, methods in _flatten(app.routes):
        table.update((m, path) for m in methods - IGNORED_METHODS)
    return table
