"""Traces for operators (admin only): recent traces and one trace as a waterfall, from Jaeger.

The pages read Jaeger's query API (``GATEWAY_JAEGER_URL``; ``make up`` sets it) and draw
the spans themselves, so a trace opens on the portal wherever the trace store runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Query, Request, Response

from common.errors import InvalidInputError, NotFoundError
from gateway.context import GatewayDep
from gateway.domain.errors import UpstreamUnavailableError
from gateway.web.guard import refuse
from gateway.web.render import Page, plain_page
from gateway.web.session import SessionDep

router = APIRouter(tags=["ops"], include_in_schema=False)
TRACE_ID = re.compile(r"[0-9a-f]{16}|[0-9a-f]{32}")
SERVICES = ("gateway", "articles", "comments", "analytics")
RECENT = 20


@dataclass(frozen=True, slots=True)
class SpanRow:
    """One span of the waterfall: where it sits in the tree and on the time axis."""

    depth: int
    service: str
    name: str
    start_ms: float  # from the trace's first span
    duration_ms: float
    left_pct: float
    width_pct: float
    error: bool


@dataclass(frozen=True, slots=True)
class TraceSummary:
    """One line of the recent-traces list."""

    trace_id: str
    started: datetime
    root: str
    services: list[str]
    spans: int
    duration_ms: float


def _services(trace: dict[str, Any]) -> dict[str, str]:
    return {key: p["serviceName"] for key, p in trace["processes"].items()}


def _parent(span: dict[str, Any]) -> str | None:
    parents = [r["spanID"] for r in span.get("references", []) if r["refType"] == "CHILD_OF"]
    return parents[0] if parents else None


def _error(span: dict[str, Any]) -> bool:
    return any(t["key"] == "error" and t["value"] in (True, "true") for t in span.get("tags", []))


def waterfall(trace: dict[str, Any]) -> list[SpanRow]:
    """The spans in tree order (children after their parent, by start time)."""
    spans = {s["spanID"]: s for s in trace["spans"]}
    children: dict[str | None, list[dict[str, Any]]] = {}
    for span in spans.values():
        parent = _parent(span)
        children.setdefault(parent if parent in spans else None, []).append(span)
    begin = min(s["startTime"] for s in spans.values())
    end = max(s["startTime"] + s["duration"] for s in spans.values())
    total = max(end - begin, 1)
    names = _services(trace)
    rows: list[SpanRow] = []

    def visit(span: dict[str, Any], depth: int) -> None:
        offset = span["startTime"] - begin
        rows.append(
            SpanRow(
                depth=depth,
                service=names.get(span["processID"], "?"),
                name=span["operationName"],
                start_ms=offset / 1000,
                duration_ms=span["duration"] / 1000,
                left_pct=round(100 * offset / total, 2),
                width_pct=max(round(100 * span["duration"] / total, 2), 0.3),
                error=_error(span),
            )
        )
        for child in sorted(children.get(span["spanID"], []), key=lambda s: s["startTime"]):
            visit(child, depth + 1)

    for root in sorted(children.get(None, []), key=lambda s: s["startTime"]):
        visit(root, 0)
    return rows


def summary(trace: dict[str, Any], rows: list[SpanRow]) -> TraceSummary:
    """What the recent-traces list shows of a trace (``rows``: its :func:`waterfall`)."""
    begin = min(s["startTime"] for s in trace["spans"])
    end = max(s["startTime"] + s["duration"] for s in trace["spans"])
    return TraceSummary(
        trace_id=trace["traceID"],
        started=datetime.fromtimestamp(begin / 1_000_000, UTC),
        root=f"{rows[0].service} {rows[0].name}" if rows else "",
        services=sorted(set(_services(trace).values())),
        spans=len(trace["spans"]),
        duration_ms=(end - begin) / 1000,
    )


async def _jaeger(url: str | None, path: str, params: dict[str, Any] | None = None) -> Any:
    if not url:
        raise UpstreamUnavailableError("no trace store configured (GATEWAY_JAEGER_URL)")
    try:
        async with httpx.AsyncClient(base_url=url, timeout=3.0) as client:
            answer = await client.get(path, params=params)
    except httpx.HTTPError as exc:
        raise UpstreamUnavailableError("the trace store does not answer") from exc
    if answer.status_code == 404:
        raise NotFoundError("no such trace in the trace store")
    if answer.status_code != 200:
        raise UpstreamUnavailableError(f"the trace store answered {answer.status_code}")
    return answer.json().get("data") or []


@router.get("/ops/traces")
async def recent_traces(
    request: Request,
    gw: GatewayDep,
    session: SessionDep,
    service: Annotated[str, Query(max_length=20)] = "gateway",
) -> Response:
    """The latest traces that touched one service."""
    if (refused := refuse(request, gw, session, "admin")) is not None:
        return refused
    if service not in SERVICES:
        raise InvalidInputError(f"service must be one of {', '.join(SERVICES)}")
    unavailable = None
    try:
        found = await _jaeger(
            gw.settings.jaeger_url,
            "/api/traces",
            {"service": service, "limit": RECENT, "lookback": "1h"},
        )
    except UpstreamUnavailableError as exc:  # the page says so, as /ops does for Prometheus
        found, unavailable = [], exc.detail
    traces = sorted(
        (summary(t, waterfall(t)) for t in found if t["spans"]), key=lambda t: t.started
    )
    context = {
        "traces": traces[::-1],
        "service": service,
        "services": SERVICES,
        "unavailable": unavailable,
    }
    return plain_page(Page("ops_traces.html", context), session, secure=gw.settings.cookie_secure)


@router.get("/ops/traces/{trace_id}")
async def one_trace(
    request: Request, trace_id: str, gw: GatewayDep, session: SessionDep
) -> Response:
    """One trace as a waterfall of its spans across the services."""
    if (refused := refuse(request, gw, session, "admin")) is not None:
        return refused
    if TRACE_ID.fullmatch(trace_id) is None:
        raise InvalidInputError("a trace id is 16 or 32 lowercase hex digits")
    found = await _jaeger(gw.settings.jaeger_url, f"/api/traces/{trace_id}")
    if not found or not found[0]["spans"]:
        raise NotFoundError("no such trace in the trace store")
    rows = waterfall(found[0])
    context = {"trace": summary(found[0], rows), "rows": rows}
    return plain_page(Page("ops_trace.html", context), session, secure=gw.settings.cookie_secure)
