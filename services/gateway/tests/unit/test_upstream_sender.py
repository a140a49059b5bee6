"""The upstream HTTP sender against a real loopback server: what goes out, what comes back."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from gateway.adapters.upstream import (
    HttpSender,
    UpstreamBrokenError,
    UpstreamConnectError,
    UpstreamRequest,
)


async def _echo(request: web.Request) -> web.Response:
    body = await request.read()
    return web.json_response(
        {
            "method": request.method,
            "path": request.path,
            "query": list(request.query.items()),
            "client_id": request.headers.get("x-client-id"),
            "body": body.decode(),
        },
        status=201,
        headers={"Retry-After": "3"},
    )


async def _slow(_: web.Request) -> web.Response:
    await asyncio.sleep(2)
    return web.Response(text="late")


@pytest.fixture
async def server() -> AsyncIterator[TestServer]:
    app = web.Application()
    app.router.add_route("*", "/slow", _slow)
    app.router.add_route("*", "/{tail:.*}", _echo)
    async with TestServer(app, host="127.0.0.1") as running:
        yield running


async def test_a_request_goes_out_whole_and_comes_back_whole(server: TestServer) -> None:
    sender = HttpSender(str(server.make_url("")), timeout=2, connect_timeout=0.5)
    try:
        answer = await sender(
            UpstreamRequest(
                "POST",
                "/api/v1/articles/7/comments",
                params=[("q", "乡村振兴"), ("q", "两会")],
                headers={"x-client-id": "c1", "content-type": "application/json"},
                content='{"body": "好"}'.encode(),
            )
        )
    finally:
        await sender.aclose()
    assert answer.status_code == 201
    assert answer.headers["retry-after"] == "3"  # any case
    sent = json.loads(answer.content)
    assert sent == {
        "method": "POST",
        "path": "/api/v1/articles/7/comments",
        "query": [["q", "乡村振兴"], ["q", "两会"]],
        "client_id": "c1",
        "body": '{"body": "好"}',
    }


async def test_a_refused_connection_is_a_connect_error() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    sender = HttpSender(f"http://127.0.0.1:{port}", timeout=2, connect_timeout=0.5)
    try:
        with pytest.raises(UpstreamConnectError):
            await sender(UpstreamRequest("GET", "/x"))
    finally:
        await sender.aclose()


async def test_an_answer_past_the_callers_deadline_is_a_broken_exchange(
    server: TestServer,
) -> None:
    sender = HttpSender(str(server.make_url("")), timeout=5, connect_timeout=0.5)
    try:
        with pytest.raises(UpstreamBrokenError):
            await sender(UpstreamRequest("GET", "/slow", time_limit=0.2))
    finally:
        await sender.aclose()
