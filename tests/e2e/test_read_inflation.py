"""Read counts and the hot list resist inflation: each route tried through a real gateway.

The session's own counting runs with relaxed rules (every test reader comes from
127.0.0.1), so this module starts its own counting with the service's default rules: an
analytics consumer process and API on a key prefix and consumer groups of their own,
reading the same view topic. A gateway copy trusting ``X-Forwarded-For`` gives each
scenario an address of its own (as a proxy in front of it would), so the scenarios do not
share an address with each other or with the rest of the session.
"""

from __future__ import annotations

import itertools
import random
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from analytics.settings import Settings as AnalyticsSettings
from tests.conftest import BROWSER_UA, Content, login
from tests.e2e.helpers import client, poll
from tests.stack import Platform, free_port

DEFAULTS = AnalyticsSettings(env="test")
LIMIT = DEFAULTS.address_new_visitors
_net = itertools.count(random.Random(uuid.uuid4().int).randrange(0, 200) * 254)


def _browser(n: int) -> str:
    """A distinct, ordinary browser agent (a client rotating its user-agent string)."""
    return (
        f"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        f"Chrome/{100 + n}.0.{n * 7}.0 Safari/537.36"
    )


def _new_address() -> str:
    """An address no other scenario (or session on this machine, likely) uses."""
    n = next(_net)
    return f"198.18.{n // 254 % 256}.{n % 254 + 1}"


def _inside_one_address_window() -> None:
    """The new-visitor limit counts per fixed window: start a burst well inside one."""
    window = DEFAULTS.address_window_seconds
    poll(lambda: time.time() % window < window - 40, timeout=60, every=0.5)


@dataclass
class Strict:
    """The gateway copy to read through and the API of the default-rules counting."""

    gateway: str
    analytics: str
    session_analytics: str
    articles: str
    editor: str

    def _published(self, article_id: int) -> bool:
        response = httpx.get(f"{self.articles}/api/v1/articles/{article_id}", timeout=5)
        return response.status_code == 200

    def read(self, path: str, *, address: str, ua: str, token: str | None = None) -> None:
        headers = {"user-agent": ua, "x-forwarded-for": address}
        if token:
            headers["authorization"] = f"Bearer {token}"
        response = httpx.get(f"{self.gateway}{path}", headers=headers, timeout=10)
        assert response.status_code == 200, response.text[:200]

    def stats(self, article_id: int, base: str | None = None) -> dict[str, Any]:
        response = httpx.get(f"{base or self.analytics}/api/v1/articles/{article_id}/stats")
        assert response.status_code == 200
        body: dict[str, Any] = response.json()
        return body

    def settled(self, article_id: int, views: int, base: str | None = None) -> dict[str, Any]:
        """The article's stats once ``views`` views (of any kind) were counted."""

        def done() -> dict[str, Any] | None:
            s = self.stats(article_id, base)
            seen = s["reads"] + s["bot_reads"] + s["duplicate_reads"]
            assert seen <= views, s
            return s if seen == views else None

        return poll(done, timeout=30, every=0.2)

    def hot(self, window: str = "1h") -> list[int]:
        response = httpx.get(
            f"{self.analytics}/api/v1/hot", params={"window": window, "limit": 100}, timeout=10
        )
        assert response.status_code == 200
        return [item["article_id"] for item in response.json()["items"]]

    def explain(self, article_id: int, window: str = "1h") -> dict[str, Any]:
        response = httpx.get(
            f"{self.analytics}/api/v1/hot/{article_id}/explain", params={"window": window}
        )
        assert response.status_code == 200
        body: dict[str, Any] = response.json()
        return body

    def new_articles(self, n: int, content: Content) -> list[int]:
        """Articles nobody else reads, published through the gateway by the editor."""
        headers = {"authorization": f"Bearer {self.editor}", "user-agent": BROWSER_UA}
        ids = []
        with httpx.Client(base_url=self.gateway, headers=headers, timeout=10) as gw:
            for i in range(n):
                created = gw.post(
                    "/api/v1/articles",
                    json={
                        "section_id": content.subsection_id,
                        "title": f"阅读计数测试 {uuid.uuid4().hex[:6]} 第{i + 1}篇",
                        "summary": "阅读计数规则的测试文章。",
                        "body_html": "<p>本文用于测试阅读计数。</p>",
                        "source": "新闻中心",
                        "author": "记者",
                        "tags": ["测试"],
                    },
                )
                created.raise_for_status()
                article_id = created.json()["id"]
                gw.post(f"/api/v1/articles/{article_id}/publish").raise_for_status()
                ids.append(article_id)
        for article_id in ids:  # asked of the articles service: a read here would count
            poll(lambda a=article_id: self._published(a), timeout=20)
        return ids


@pytest.fixture(scope="module")
def strict(platform: Platform) -> Iterator[Strict]:
    """Counting with the default rules, and a gateway copy behind a trusted proxy."""
    uid = platform.uid
    rules = {
        "ANALYTICS_REDIS_PREFIX": f"t{uid}:analytics-strict:",
        "ANALYTICS_VIEWS_GROUP": f"analytics-views-strict-{uid}",
        "ANALYTICS_EVENTS_GROUP": f"analytics-events-strict-{uid}",
        "ANALYTICS_DEDUP_WINDOW_SECONDS": str(DEFAULTS.dedup_window_seconds),
        "ANALYTICS_BOT_READS_PER_MINUTE": str(DEFAULTS.bot_reads_per_minute),
        "ANALYTICS_ADDRESS_NEW_VISITORS": str(DEFAULTS.address_new_visitors),
        "ANALYTICS_ADDRESS_NEW_ACCOUNTS": str(DEFAULTS.address_new_accounts),
        "ANALYTICS_HOT_CACHE_SECONDS": "0",
    }
    consumers = platform.add(
        "analytics-strict-consumers", "analytics.consumers", "analytics", **rules
    )
    api = platform.add("analytics-strict", "analytics", "analytics", port=free_port(), **rules)
    started = [consumers.name, api.name]
    try:
        consumers.start()
        api.start()
        api.wait_ready()
        gateway = platform.extra_gateway("gateway-behind-proxy", GATEWAY_TRUST_FORWARDED_FOR="true")
        started.append(gateway.name)
        assert gateway.url is not None
        assert api.url is not None
        yield Strict(
            gateway.url,
            api.url,
            platform.url("analytics"),
            platform.url("articles"),
            login(platform.gateway, "editor"),
        )
    finally:
        for name in reversed(started):
            platform.stop(name)


def test_one_address_rotating_its_agent_adds_few_visitors(strict: Strict, content: Content) -> None:
    (article,) = strict.new_articles(1, content)
    address = _new_address()
    _inside_one_address_window()
    started = time.monotonic()
    with ThreadPoolExecutor(10) as pool:  # a burst, as a script sends it
        list(
            pool.map(
                lambda n: strict.read(f"/articles/{article}", address=address, ua=_browser(n)),
                range(30),
            )
        )
    assert time.monotonic() - started < 30  # inside one address window, however loaded

    counted = strict.settled(article, 30)
    assert counted["reads"] == LIMIT  # the first visitors the address may add
    assert counted["duplicate_reads"] == 30 - LIMIT
    assert counted["unique_visitors"] <= LIMIT + 1  # HyperLogLog: an estimate
    # the session's relaxed counting (no per-address limit) took every agent as a visitor
    assert strict.settled(article, 30, strict.session_analytics)["reads"] == 30

    # one address, one ranked read: the burst weighs 1 in the hot list, not LIMIT
    explained = poll(
        lambda: strict.explain(article) if strict.explain(article)["buckets"] else None
    )
    (bucket,) = explained["buckets"]
    assert bucket["reads"] == LIMIT
    assert bucket["same_address_reads"] == LIMIT - 1
    assert explained["score"] == pytest.approx(bucket["decay"], rel=1e-3)


def test_many_articles_from_one_address_cannot_take_over_the_hot_list(
    strict: Strict, content: Content
) -> None:
    *flooded, widely_read = strict.new_articles(9, content)
    flooder = _new_address()
    _inside_one_address_window()
    for article in flooded:  # one address, a rotating agent, every article
        for n in range(10):
            strict.read(f"/articles/{article}", address=flooder, ua=_browser(n))
    readers = [_new_address() for _ in range(4)]
    for n, address in enumerate(readers):  # four readers, each at home
        strict.read(f"/articles/{widely_read}", address=address, ua=_browser(50 + n))

    for article in flooded:
        counted = strict.settled(article, 10)
        assert counted["reads"] == LIMIT  # each visitor the address may add read each article
    assert strict.settled(widely_read, 4)["reads"] == 4  # fewer reads than any flooded one

    for window in ("1h", "24h"):

        def ranked(window: str = window) -> list[int]:
            hot = strict.hot(window)
            assert all(a in hot for a in (*flooded, widely_read)), (
                hot,
                [strict.explain(a, window) for a in (*flooded[:2], widely_read)],
            )
            return hot

        hot = poll(ranked, timeout=20)
        position = hot.index(widely_read)
        assert all(hot.index(a) > position for a in flooded), (window, hot)
    for article in flooded[:2]:
        (bucket,) = strict.explain(article)["buckets"]
        assert bucket["reads"] - bucket["same_address_reads"] == 1


@pytest.mark.parametrize(
    "agents",
    [
        [
            "",
            "axios/1.7.2",
            "PostmanRuntime/7.39.0",
            "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)",
            "python-requests/2.32.3",
            "curl/8.5.0",
            "Go-http-client/1.1",
            "okhttp/4.12.0",
        ]
    ],
)
def test_empty_and_scripted_agents_are_bots_not_reads(
    strict: Strict, content: Content, agents: list[str]
) -> None:
    (article,) = strict.new_articles(1, content)
    address = _new_address()
    for agent in agents:
        strict.read(f"/api/v1/articles/{article}", address=address, ua=agent)
        strict.read(f"/articles/{article}", address=_new_address(), ua=agent)
    counted = strict.settled(article, 2 * len(agents))
    assert counted["reads"] == 0
    assert counted["bot_reads"] == 2 * len(agents)
    assert counted["unique_visitors"] == 0
    assert article not in strict.hot()


def test_signed_in_readers_behind_one_office_address_all_count(
    strict: Strict, content: Content
) -> None:
    (article,) = strict.new_articles(1, content)
    office = _new_address()
    tokens = []
    with client(strict.gateway) as gw:
        for _ in range(20):
            registered = gw.post(
                "/api/v1/auth/register",
                json={"username": f"r{uuid.uuid4().hex[:10]}", "password": "pa55-word-x"},
                headers={"x-forwarded-for": office},
            )
            assert registered.status_code == 201, registered.text
            tokens.append(registered.json()["access_token"])
    _inside_one_address_window()
    for token in tokens:  # twenty colleagues, one company browser build, one address
        strict.read(f"/api/v1/articles/{article}", address=office, ua=BROWSER_UA, token=token)
    for n in range(3):  # and three who are not signed in, on their own browsers
        strict.read(f"/articles/{article}", address=office, ua=_browser(200 + n))
    # a signed-in reader changing agents is still one reader
    strict.read(f"/api/v1/articles/{article}", address=office, ua=_browser(300), token=tokens[0])

    counted = strict.settled(article, 24)
    assert counted["reads"] == 23
    assert counted["duplicate_reads"] == 1
    assert 21 <= counted["unique_visitors"] <= 25  # HyperLogLog: an estimate of 23
