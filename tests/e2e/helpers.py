"""Small helpers of the end-to-end tests: clients, polling, metrics."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import httpx

from tests.conftest import BROWSER_UA, PASSWORDS
from tests.stack import operator_headers

T = TypeVar("T")


def client(base: str, *, ua: str = BROWSER_UA, token: str | None = None) -> httpx.Client:
    """A client of the gateway that looks like a browser to bot scoring."""
    headers = {"user-agent": ua}
    if token:
        headers["authorization"] = f"Bearer {token}"
    return httpx.Client(base_url=base, headers=headers, timeout=10, follow_redirects=False)


def poll(check: Callable[[], T | None], *, timeout: float = 10.0, every: float = 0.05) -> T:
    """The first truthy result of ``check`` before the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError("condition not met before the deadline")
        time.sleep(every)


def metric(base: str, name: str, **labels: str) -> float:
    """The sum of a Prometheus metric's samples matching ``labels``."""
    text = httpx.get(f"{base}/metrics", headers=operator_headers(), timeout=5).text
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name):
            continue
        match = re.match(rf"^{re.escape(name)}(?:\{{(.*)\}})? ([0-9.e+-]+)$", line)
        if match is None:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1) or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            total += float(match.group(2))
    return total


@contextmanager
def browser_login(base: str, username: str, *, ua: str = BROWSER_UA) -> Iterator[httpx.Client]:
    """A cookie session logged in through the HTML form, like a browser."""
    with client(base, ua=ua) as session:
        response = session.post(
            "/login", data={"username": username, "password": PASSWORDS[username], "next": "/"}
        )
        assert response.status_code == 303, response.text
        yield session


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)
