"""Every process's /metrics is valid for Prometheus and served only where it should be."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import Content
from tests.e2e.helpers import browser_login, client, csrf_of
from tests.stack import Platform, operator_headers

LOOPBACK_HEX = "0100007F"  # 127.0.0.1 as /proc/net/tcp writes it


def promtool() -> str:
    """promtool from Debian's prometheus package (installed by the dev command)."""
    found = shutil.which("promtool")
    assert found, "promtool missing: `python3 scripts/dev.py bootstrap` installs prometheus"
    return found


def _listening_addresses(port: int) -> set[str]:
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.rpartition(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


@pytest.fixture(scope="module")
def traffic(platform: Platform, content: Content) -> None:
    """A few reads, an API call and a miss, so the request histograms have series."""
    with httpx.Client(base_url=platform.gateway, timeout=10) as client:
        for article_id in content.article_ids:
            client.get(f"/articles/{article_id}").raise_for_status()
            client.get(f"/api/v1/articles/{article_id}").raise_for_status()
        client.get("/api/v1/sections").raise_for_status()
        assert client.get("/no-such-page").status_code == 404


@pytest.mark.usefixtures("traffic")
def test_every_process_metrics_pass_promtool(platform: Platform) -> None:
    checked = []
    for name, process in platform.running().items():
        assert process.metrics_url, name
        text = httpx.get(process.metrics_url, timeout=10).text
        check = subprocess.run(
            [promtool(), "check", "metrics"],
            input=text,
            capture_output=True,
            text=True,
            check=False,
        )
        assert check.returncode == 0, f"{name}: {check.stdout}{check.stderr}"
        assert "_milliseconds" not in text, name
        checked.append(name)
    assert len(checked) >= 7  # four HTTP apps and three consumer processes


@pytest.mark.usefixtures("traffic")
def test_reads_are_counted_in_seconds_by_route_template(platform: Platform) -> None:
    text = httpx.get(platform.processes["gateway"].metrics_url or "", timeout=10).text
    assert 'http_route="/articles/{article_id}"' in text
    assert "http_server_request_duration_seconds_bucket" in text
    assert "/articles/1" not in text.replace("{article_id}", "")  # no raw paths as labels


def test_metrics_ports_listen_on_loopback_only(platform: Platform) -> None:
    for name, process in platform.running().items():
        port = int((process.metrics_url or "").split(":")[2].split("/")[0])
        addresses = _listening_addresses(port)
        assert addresses, f"{name}: nothing listens on {port}"
        assert all(a.endswith(LOOPBACK_HEX) for a in addresses), (name, addresses)


def test_public_port_metrics_and_ops_json_are_for_operators(platform: Platform) -> None:
    gateway = platform.gateway
    assert httpx.get(f"{gateway}/metrics", timeout=10).status_code == 401
    overview = httpx.get(f"{gateway}/api/v1/stats/overview", timeout=10)
    assert overview.status_code == 401
    allowed = httpx.get(f"{gateway}/metrics", headers=operator_headers(), timeout=10)
    assert allowed.status_code == 200
    assert "http_server_request_duration_seconds" in allowed.text


def _sample(text: str, name: str, **labels: str) -> float | None:
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))  # as exposed
    prefix = f"{name}{{{want}}} " if want else f"{name} "
    for line in text.splitlines():
        if line.startswith(prefix):
            return float(line.rsplit(" ", 1)[1])
    return None


def test_alerting_gauges_are_served(platform: Platform) -> None:
    """Dependencies, outbox age and the moderation queue, as the alert rules read them."""
    deadline = time.monotonic() + 30
    missing: list[str] = []
    while time.monotonic() < deadline:
        texts = {
            n: httpx.get(p.metrics_url or "", timeout=10).text
            for n, p in platform.running().items()
        }
        missing = [
            n
            for n, t in texts.items()
            if _sample(t, "newsroom_dependency_up", dependency="kafka") != 1
        ]
        missing += [
            n
            for n in ("gateway", "comments", "analytics")
            if _sample(texts[n], "newsroom_dependency_up", dependency="redis") != 1
        ]
        if _sample(texts["comments"], "comments_moderation_oldest_wait_seconds") is None:
            missing.append("comments queue age")
        if (
            _sample(
                texts["comments"],
                "newsroom_outbox_oldest_unsent_age_seconds",
                schema=f"comments_{platform.uid}",
            )
            is None
        ):
            missing.append("comments outbox age")
        if not missing:
            return
        time.sleep(0.5)
    raise AssertionError(f"not served: {missing}")


def _total(process_metrics: str, name: str, **labels: str) -> float:
    text = httpx.get(process_metrics, timeout=10).text
    return _sample(text, name, **labels) or 0.0


def test_moderation_decisions_are_counted_by_whom(platform: Platform, content: Content) -> None:
    """The pipeline's outcome for each new comment, and each desk decision per moderator."""
    metrics = platform.processes["comments"].metrics_url or ""
    held = {"decision": "held", "by": "auto"}
    approved = {"moderator": "moderator", "decision": "approved"}
    held_before = _total(metrics, "comments_moderation_decisions_total", **held)
    approved_before = _total(metrics, "comments_moderator_decisions_total", **approved)
    article = content.article_ids[2]
    body = f"计数测试评论 {time.monotonic_ns()}"
    with client(platform.gateway, ua="Mozilla/5.0 counted Chrome/131.0") as reader:
        posted = reader.post(f"/articles/{article}/comments", data={"body": body})
        assert posted.headers["location"].endswith("?comment=pending#comments")
    assert _total(metrics, "comments_moderation_decisions_total", **held) == held_before + 1
    with browser_login(platform.gateway, "moderator") as moderator:
        desk = moderator.get("/moderation")
        cards = re.findall(r'id="card-(\d+)"(.*?)</article>', desk.text, flags=re.S)
        ours = [comment_id for comment_id, card in cards if body in card]
        assert ours, "comment not in the queue"
        decided = moderator.post(
            "/moderation/decisions",
            data={"csrf_token": csrf_of(desk.text), "decision": "approve", "comment_ids": ours[0]},
        )
        assert decided.status_code == 303
    after = _total(metrics, "comments_moderator_decisions_total", **approved)
    assert after == approved_before + 1


def test_read_kinds_and_hot_churn_are_sampled(platform: Platform, content: Content) -> None:
    """Today's reads by kind and the hot list's newcomers, from the analytics app."""
    with client(platform.gateway, ua="Mozilla/5.0 churn Chrome/131.0") as reader:
        for article_id in content.article_ids:
            reader.get(f"/articles/{article_id}").raise_for_status()
    metrics = platform.processes["analytics"].metrics_url or ""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        text = httpx.get(metrics, timeout=10).text
        counted = _sample(text, "analytics_reads_today", kind="counted") or 0.0
        entries = _sample(text, "analytics_hot_list_entries_total")
        if counted > 0 and entries is not None:
            break
        time.sleep(1)
    assert counted > 0, "no counted read sampled"
    assert _sample(text, "analytics_reads_today", kind="bot") is not None
    assert _sample(text, "analytics_reads_today", kind="repeat") is not None
    assert entries is not None, "hot-list churn not served"  # its arithmetic: a unit test
