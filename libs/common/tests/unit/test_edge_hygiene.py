"""Input hygiene at every service's edge: sizes, encodings, ranges, slow clients, API docs."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Form
from pydantic import BaseModel

from common import connections
from common.ranges import ArticleId, Moment, SectionId, id_list
from common.service import create_service_app
from common.settings import ServiceSettings


@asynccontextmanager
async def _nothing(_: FastAPI) -> AsyncIterator[None]:
    yield


class Note(BaseModel):
    text: str
    at: Moment | None = None


def _app(settings: ServiceSettings | None = None) -> FastAPI:
    app = create_service_app(
        settings=settings or ServiceSettings(), title="t", lifespan=_nothing, max_body_bytes=1024
    )

    @app.post("/notes")
    async def note(body: Note) -> dict[str, str]:
        return {"text": body.text}

    @app.post("/form")
    async def form(name: Annotated[str, Form()]) -> dict[str, str]:
        return {"name": name}

    @app.get("/articles/{article_id}")
    async def article(article_id: ArticleId, section: SectionId | None = None) -> dict[str, int]:
        return {"id": article_id}

    return app


def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t")


async def test_a_chunked_body_over_the_limit_is_413_not_400() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"text": "'
        for _ in range(20):
            yield b"x" * 100
        yield b'"}'

    async with _client(_app()) as client:
        response = await client.post(
            "/notes", content=chunks(), headers={"content-type": "application/json"}
        )
    assert response.status_code == 413
    assert "1024" in response.text


async def test_a_form_that_is_not_utf8_is_refused_not_stored_as_mojibake() -> None:
    form = {"content-type": "application/x-www-form-urlencoded"}
    async with _client(_app()) as client:
        good = await client.post("/form", content=b"name=%E5%AD%A6%E4%B9%A0", headers=form)
        bad = await client.post("/form", content=b"name=%FF%FEab", headers=form)
        raw = await client.post("/form", content=b"name=\xe5\xad", headers=form)
        multipart = await client.post("/form", files={"name": ("a.txt", b"\xff")})
    assert good.json() == {"name": "学习"}
    assert (bad.status_code, bad.json()["error"]) == (400, "invalid_encoding")
    assert raw.status_code == 400
    assert multipart.status_code == 415


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/articles/9223372036854775808", "article_id"),
        ("/articles/0", "article_id"),
        ("/articles/1?section=2147483648", "section"),
    ],
)
async def test_ids_past_their_column_are_422_with_the_field(path: str, field: str) -> None:
    async with _client(_app()) as client:
        response = await client.get(path)
    assert response.status_code == 422
    assert field in response.json()["detail"]


async def test_dates_outside_a_sane_span_are_422() -> None:
    async with _client(_app()) as client:
        response = await client.post("/notes", json={"text": "t", "at": "0001-01-01T00:00:00Z"})
    assert response.status_code == 422
    assert "must fall between" in response.json()["detail"]


def test_id_lists_refuse_odd_digits_and_overflow() -> None:
    assert id_list("3,1,3", name="ids", most=5) == [3, 1]
    for raw in ("²", "9223372036854775808", "0", "1,,x", "", ",".join(["1"] * 6)):
        with pytest.raises(Exception, match="ids must be"):
            id_list(raw, name="ids", most=5)


async def test_api_docs_are_off_in_prod() -> None:
    prod = ServiceSettings.model_construct(env="prod")
    async with _client(_app(prod)) as client:
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert (await client.get(path)).status_code == 404
    async with _client(_app()) as client:
        assert (await client.get("/openapi.json")).status_code == 200


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_idle_and_slow_connections_are_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connections, "HEAD_SECONDS", 0.3)
    monkeypatch.setattr(connections, "BODY_SECONDS", 0.3)
    monkeypatch.setattr(connections, "SWEEP_SECONDS", 0.1)
    port = _free_port()
    config = uvicorn.Config(
        _app(),
        host="127.0.0.1",
        port=port,
        http=connections.DeadlineHttpToolsProtocol,
        lifespan="off",
        log_level="warning",
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:  # noqa: ASYNC110 - uvicorn offers a flag, not an event
            await asyncio.sleep(0.01)
        idle_reader, idle_writer = await asyncio.open_connection("127.0.0.1", port)
        slow_reader, slow_writer = await asyncio.open_connection("127.0.0.1", port)
        slow_writer.write(b"GET /healthz HTTP/1.1\r\n")  # ...and the rest never comes
        await slow_writer.drain()
        body_reader, body_writer = await asyncio.open_connection("127.0.0.1", port)
        body_writer.write(
            b"POST /notes HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
            b'content-length: 100\r\n\r\n{"text": "'
        )  # the head is in; the rest of the body never comes
        await body_writer.drain()
        async with httpx.AsyncClient() as client:  # one connection kept busy past both deadlines
            busy_until = asyncio.get_running_loop().time() + 1.0
            while asyncio.get_running_loop().time() < busy_until:
                assert (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200
                await asyncio.sleep(0.05)
        for reader in (idle_reader, slow_reader, body_reader):
            assert await asyncio.wait_for(reader.read(), timeout=3) == b""  # closed by us
        for writer in (idle_writer, slow_writer, body_writer):
            writer.close()
        async with httpx.AsyncClient() as client:  # a prompt request is served as ever
            assert (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200
    finally:
        server.should_exit = True
        await serving
