"""Every provisioned dashboard panel's query runs on a real Prometheus scraping the platform."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Content
from tests.ops.observability import prometheus
from tests.stack import Platform

DASHBOARDS = Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "dashboards"
BOARDS = {"newsroom", "gateway", "events", "moderation", "analytics"}
GRAFANA_VARIABLES = {"$__rate_interval": "1m", "$__interval": "15s", "$__range": "1h"}


def _panels() -> list[tuple[str, str, str]]:
    found = []
    for path in sorted(DASHBOARDS.glob("*.json")):
        for panel in json.loads(path.read_text())["panels"]:
            for target in panel["targets"]:
                found.append((path.stem, panel["title"], target["expr"]))
    return found


def _query(url: str, expr: str) -> dict[str, Any]:
    for name, value in GRAFANA_VARIABLES.items():
        expr = expr.replace(name, value)
    answer = httpx.get(f"{url}/api/v1/query", params={"query": expr}, timeout=10)
    body: dict[str, Any] = answer.json()
    return body


@pytest.fixture(scope="module")
def scraping(platform: Platform, content: Content) -> Iterator[str]:
    """Prometheus with the repository's rules scraping every process, after some traffic."""
    targets: dict[str, list[str]] = {}
    for name, process in platform.running().items():
        address = (process.metrics_url or "").removeprefix("http://").removesuffix("/metrics")
        targets.setdefault(name.split("-")[0], []).append(address)
    with prometheus(targets) as url:
        with httpx.Client(base_url=platform.gateway, timeout=10) as client:
            for _ in range(3):
                for article_id in content.article_ids:
                    client.get(f"/articles/{article_id}").raise_for_status()
                time.sleep(1)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            up = _query(url, 'up{job="newsroom"} == 1')["data"]["result"]
            rated = _query(url, "newsroom:article_reads:rate5m")["data"]["result"]
            if len(up) == len(platform.running()) and rated:
                break
            time.sleep(1)
        else:
            raise AssertionError(f"Prometheus never scraped every process: {up}")
        yield url


def test_every_board_is_provisioned() -> None:
    assert {p.stem for p in DASHBOARDS.glob("*.json")} >= BOARDS


def test_every_panel_query_runs(scraping: str) -> None:
    failures = []
    panels = _panels()
    for board, title, expr in panels:
        body = _query(scraping, expr)
        if body.get("status") != "success":
            failures.append(f"{board} / {title}: {body.get('error')} in {expr}")
    assert failures == []
    assert len(panels) > 30


def test_panels_show_the_traffic(scraping: str) -> None:
    by_service = _query(
        scraping, "sum by (service) (rate(http_server_request_duration_seconds_count[1m]))"
    )["data"]["result"]
    assert "gateway" in {r["metric"].get("service") for r in by_service}
    availability = _query(scraping, "1 - (newsroom:article_reads_errors:ratio_rate1h or vector(0))")
    assert float(availability["data"]["result"][0]["value"][1]) == 1.0
