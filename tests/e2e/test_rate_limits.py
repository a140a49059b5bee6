"""Rate limits are shared by gateway copies (Redis) and stricter for comments and login."""

from __future__ import annotations

import itertools
import time

import httpx
import pytest

from tests.conftest import Content
from tests.e2e.helpers import poll
from tests.stack import Platform


def _inside_one_window() -> None:
    """Limits count per clock minute: start a sequence only with enough of the minute left."""
    poll(lambda: time.time() % 60 < 45, timeout=20, every=0.1)


@pytest.fixture(scope="module")
def two_gateways(platform: Platform) -> list[str]:
    """Two more gateway copies sharing one (fresh) rate-limit namespace, with tight limits."""
    tight = {
        "GATEWAY_REDIS_PREFIX": f"t{platform.uid}:tight",
        "GATEWAY_RATE_COMMENT_PER_MINUTE": "4",
        "GATEWAY_RATE_LOGIN_PER_MINUTE": "6",
        "GATEWAY_RATE_READ_PER_MINUTE": "40",
    }
    copies = [platform.extra_gateway(f"gateway-tight-{n}", **tight) for n in (1, 2)]
    try:
        yield [c.url for c in copies if c.url]
    finally:
        for copy in copies:
            platform.stop(copy.name)


def test_comment_limit_is_shared_across_copies(two_gateways: list[str], content: Content) -> None:
    _inside_one_window()
    statuses = []
    for n, base in zip(range(6), itertools.cycle(two_gateways), strict=False):
        response = httpx.post(
            f"{base}/api/v1/articles/{content.article_ids[0]}/comments",
            json={"body": f"限流测试 {n}", "nickname": "测试"},
            timeout=10,
            headers={"user-agent": f"Mozilla/5.0 limit-{n}"},
        )
        statuses.append(response.status_code)
        if response.status_code == 429:
            assert int(response.headers["retry-after"]) >= 1
    assert statuses[:4] == [202] * 4
    assert statuses[4:] == [429, 429]


def test_login_limit_is_stricter_than_reads(two_gateways: list[str]) -> None:
    _inside_one_window()
    statuses = [
        httpx.post(
            f"{base}/api/v1/auth/login",
            json={"username": f"nobody{n}", "password": "x"},
            timeout=10,
        ).status_code
        for n, base in zip(range(7), itertools.cycle(two_gateways), strict=False)
    ]
    assert statuses[:6] == [401] * 6
    assert statuses[6] == 429
    assert httpx.get(f"{two_gateways[0]}/healthz", timeout=5).status_code == 200


def test_read_limit_is_shared_across_copies(two_gateways: list[str]) -> None:
    _inside_one_window()
    seen = []
    for _, base in zip(range(60), itertools.cycle(two_gateways), strict=False):
        seen.append(httpx.get(f"{base}/api/v1/sections", timeout=10).status_code)
    assert seen.count(200) <= 45  # 40 allowed; a copy may overshoot by one sync interval
    assert seen[-1] == 429
