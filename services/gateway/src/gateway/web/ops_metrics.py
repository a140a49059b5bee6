"""The ops page's history and alerts from Prometheus, and numbers as people read them."""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass
from typing import Any

import httpx

WINDOW_SECONDS = 3600
STEP_SECONDS = 60
ARTICLE = "articles/\\\\{article_id\\\\}"  # PromQL string of the regex articles/\{article_id\}
READS = f'service="gateway", http_route=~"/{ARTICLE}|/api/v1/{ARTICLE}"'

# (key, title, unit, PromQL over the last hour)
CHARTS = (
    ("traffic", "流量 (请求/秒)", "rate",
     "sum(rate(http_server_request_duration_seconds_count[2m]))"),
    ("errors", "错误 (5xx/秒)", "rate",
     'sum(rate(http_server_request_duration_seconds_count{http_response_status_code=~"5.."}[2m]))'
     " or vector(0)"),
    ("p99", "文章页 p99 延迟", "seconds",
     f"histogram_quantile(0.99, sum by (le) "
     f"(rate(http_server_request_duration_seconds_bucket{{{READS}}}[2m])))"),
    ("lag", "消费延迟 (条)", "count", "sum(newsroom_consumer_lag) or vector(0)"),
    ("queue_age", "最久待审评论", "seconds",
     "max(comments_moderation_oldest_wait_seconds) or vector(0)"),
)  # fmt: skip
DEAD_LETTERS = (
    'sum by (topic) (increase(newsroom_events_consumed_total{outcome="dead_letter"}[1h]))'
)


@dataclass(frozen=True)
class Chart:
    """One sparkline of the last hour with its latest value, formatted."""

    key: str
    title: str
    latest: str
    path: str  # SVG path ("M x,y L x,y ...") in a 300 x 60 box; "" without data


def humane(value: float | None, unit: str) -> str:
    """A number as an operator reads it: 1.2 万, 38 分 28 秒, 12 毫秒, 3.4/秒."""
    if value is None or math.isnan(value):
        return "无数据"
    if unit == "seconds":
        return _duration(value)
    if unit == "rate":
        return f"{value:.1f}/秒" if value < 100 else f"{value:,.0f}/秒"
    if unit == "share":
        return f"{value * 100:.1f}%"
    if abs(value) >= 10_000:
        return f"{value / 10_000:.1f} 万"
    return f"{value:,.0f}"


def _duration(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.0f} 毫秒"
    if seconds < 60:
        return f"{seconds:.1f} 秒"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} 分 {secs} 秒"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} 小时 {minutes} 分"


def sparkline(points: list[tuple[float, float]], width: int = 300, height: int = 60) -> str:
    """An SVG path of (time, value) points, scaled to the box (zero at the bottom)."""
    usable = [(t, v) for t, v in points if not math.isnan(v)]
    if not usable:
        return ""
    start, end = usable[0][0], max(usable[-1][0], usable[0][0] + 1)
    top = max(v for _, v in usable) or 1.0
    coords = [(width * (t - start) / (end - start), height - height * v / top) for t, v in usable]
    if len(coords) == 1:  # a first sample (a fresh Prometheus): a level line, not nothing
        coords = [(0.0, coords[0][1]), (float(width), coords[0][1])]
    return "M " + " L ".join(f"{x:.1f},{y:.1f}" for x, y in coords)


async def _range(client: httpx.AsyncClient, expr: str, now: float) -> list[tuple[float, float]]:
    params: dict[str, str | float] = {
        "query": expr,
        "start": now - WINDOW_SECONDS,
        "end": now,
        "step": STEP_SECONDS,
    }
    answer = (await client.get("/api/v1/query_range", params=params)).json()
    result = answer.get("data", {}).get("result", [])
    if not result:
        return []
    return [(float(t), float(v)) for t, v in result[0]["values"]]


async def _chart(client: httpx.AsyncClient, spec: tuple[str, str, str, str], now: float) -> Chart:
    key, title, unit, expr = spec
    points = await _range(client, expr, now)
    latest = points[-1][1] if points else None
    return Chart(key, title, humane(latest, unit), sparkline(points))


async def _firing(client: httpx.AsyncClient) -> list[dict[str, str]]:
    alerts = (await client.get("/api/v1/alerts")).json().get("data", {}).get("alerts", [])
    return [
        {
            "name": a["labels"].get("alertname", ""),
            "severity": a["labels"].get("severity", ""),
            "summary": a.get("annotations", {}).get("summary", ""),
            "runbook": a.get("annotations", {}).get("runbook_url", ""),
        }
        for a in alerts
        if a.get("state") == "firing"
    ]


async def _dead_letters(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    answer = (await client.get("/api/v1/query", params={"query": DEAD_LETTERS})).json()
    rows = answer.get("data", {}).get("result", [])
    return [
        {"topic": r["metric"].get("topic", ""), "count": round(float(r["value"][1]))}
        for r in rows
        if float(r["value"][1]) > 0
    ]


async def prometheus_view(url: str | None, *, within: float = 2.0) -> dict[str, Any] | None:
    """Charts of the last hour, alerts firing and dead letters; None without Prometheus."""
    if not url:
        return None
    now = time.time()
    try:
        async with httpx.AsyncClient(base_url=url, timeout=within) as client:
            charts = await asyncio.gather(*(_chart(client, spec, now) for spec in CHARTS))
            firing, dead = await asyncio.gather(_firing(client), _dead_letters(client))
    except (httpx.HTTPError, ValueError, KeyError):
        return None
    return {
        "charts": [c.__dict__ for c in charts],
        "alerts": firing,
        "dead_letters": dead,
    }


def _lag_by_group(partitions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    groups: dict[str, int] = {}
    for p in partitions:
        groups[p["group"]] = groups.get(p["group"], 0) + int(p["lag"])
    return [{"group": g, "lag": humane(v, "count")} for g, v in sorted(groups.items())]


def ops_display(data: dict[str, Any]) -> dict[str, Any]:
    """The page's numbers, formatted; the refresh script shows these strings as they are."""
    o = data.get("overview") or {}
    m = data.get("moderation") or {}
    missing = "不可用"
    return {
        "reads_today": humane(o["reads_today"], "count") if o else missing,
        "visitors_today": humane(o["unique_visitors_today"], "count") if o else missing,
        "bot_share": humane(o["bot_share_today"], "share") if o else missing,
        "total_lag": f"{humane(o['total_lag'], 'count')} 条" if o else missing,
        "pending": humane(m["pending"], "count") if m else missing,
        "oldest_wait": (
            humane(m["oldest_age_seconds"], "seconds")
            if m.get("oldest_age_seconds") is not None
            else "无"
        )
        if m
        else missing,
        "views_pending": humane(data.get("views_pending") or 0, "count"),
        "lag_by_group": _lag_by_group(o.get("consumer_lag") or []),
        "top_articles": o.get("top_articles") or [],
    }
