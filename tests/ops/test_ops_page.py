"""The operators' page with Prometheus behind it, under read load, looked at in Chromium."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import sync_playwright

from tests.browser.conftest import ARGS, CHROMIUM, SCREENSHOTS
from tests.conftest import BROWSER_UA, PASSWORDS, Content
from tests.ops.observability import prometheus
from tests.stack import Platform, Process


@pytest.fixture(scope="module")
def ops_gateway(platform: Platform, content: Content) -> Iterator[Process]:
    """A gateway copy whose ops page reads a Prometheus scraping the whole platform."""
    targets: dict[str, list[str]] = {}
    for name, process in platform.running().items():
        address = (process.metrics_url or "").removeprefix("http://").removesuffix("/metrics")
        targets.setdefault(name.split("-")[0], []).append(address)
    with prometheus(targets) as url:
        gateway = platform.extra_gateway("gateway-ops", GATEWAY_PROMETHEUS_URL=url)
        try:
            yield gateway
        finally:
            gateway.stop()


def _load(base: str, article_ids: list[int], stop: threading.Event) -> None:
    with httpx.Client(base_url=base, headers={"user-agent": BROWSER_UA}, timeout=10) as client:
        deadline = time.monotonic() + 60  # bounded whatever happens
        while not stop.is_set() and time.monotonic() < deadline:
            for article_id in article_ids:
                client.get(f"/articles/{article_id}")


def test_ops_page_shows_history_alerts_lag_and_top_articles(
    platform: Platform, content: Content, ops_gateway: Process
) -> None:
    base = ops_gateway.url or ""
    stop = threading.Event()
    loaders = [
        # the load goes to the scraped gateway; this copy only shows the page
        threading.Thread(target=_load, args=(platform.gateway, content.article_ids, stop))
        for _ in range(4)
    ]
    for loader in loaders:
        loader.start()
    try:
        time.sleep(15)  # a few scrapes of the load
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 1600})
            page.goto(f"{base}/login?next=/ops")
            page.fill("input[name=username]", "admin")
            page.fill("input[name=password]", PASSWORDS["admin"])
            page.locator("form:has(input[name=username]) button[type=submit]").click()
            page.wait_for_url(f"{base}/ops")
            text = page.inner_text("#ops")
            charts = page.eval_on_selector_all("svg path", "ps => ps.map(p => p.getAttribute('d'))")
            SCREENSHOTS.mkdir(exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "ops-under-load.png"), full_page=True)
            browser.close()
    finally:
        stop.set()
        for loader in loaders:
            loader.join(15)
    assert "最近一小时" in text
    assert "正在告警" in text
    assert any(d and d.startswith("M ") for d in charts), "no chart has data"
    assert "各消费组延迟" in text
    assert "当前热门文章" in text
    assert "Prometheus 不可用" not in text
    assert "无数据" not in text  # traffic, errors, p99, lag and queue age all have a value
