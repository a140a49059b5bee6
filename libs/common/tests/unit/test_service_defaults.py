from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from common.errors import ConflictError, TooManyRequestsError
from common.service import create_service_app
from common.settings import ServiceSettings


@asynccontextmanager
async def _nothing(_: FastAPI) -> AsyncIterator[None]:
    yield


def _app() -> FastAPI:
    app = create_service_app(settings=ServiceSettings(), title="t", lifespan=_nothing)

    async def broken() -> None:
        raise RuntimeError("database is down")

    app.state.readiness_checks = {"database": broken}

    @app.post("/items")
    async def create(size: int) -> dict[str, int]:
        if size > 10:
            raise ConflictError("too big for the shelf")
        if size < 0:
            raise TooManyRequestsError("slow down", retry_after=7)
        return {"size": size}

    return app


async def _client() -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(_app()), base_url="http://t")


async def test_health_readiness_and_metrics() -> None:
    async with await _client() as client:
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        ready = await client.get("/readyz")
        assert ready.status_code == 503
        assert "database is down" in ready.json()["checks"]["database"]
        # operators only on the service's port (tests/ops reads it with a token and on the
        # metrics port)
        assert (await client.get("/metrics")).status_code == 401


async def test_bad_input_gets_a_4xx_with_a_reason() -> None:
    async with await _client() as client:
        missing = await client.post("/items")
        assert missing.status_code == 422
        assert "size" in missing.json()["detail"]
        conflict = await client.post("/items", params={"size": 11})
        assert conflict.status_code == 409
        assert conflict.json() == {"error": "conflict", "detail": "too big for the shelf"}
        limited = await client.post("/items", params={"size": -1})
        assert limited.status_code == 429
        assert limited.headers["retry-after"] == "7"
        huge = await client.post("/items", params={"size": 1}, content=b"x" * 100_000)
        assert huge.status_code == 413


async def test_every_response_carries_a_request_id() -> None:
    async with await _client() as client:
        kept = await client.get("/healthz", headers={"x-request-id": "abc-123"})
        assert kept.headers["x-request-id"] == "abc-123"
        made = await client.get("/healthz")
        assert len(made.headers["x-request-id"]) == 32


async def test_a_dependency_that_is_down_is_a_503_not_a_500() -> None:
    from redis.exceptions import ConnectionError as RedisConnectionError

    app = _app()

    @app.get("/needs-redis")
    async def needs_redis() -> None:
        raise RedisConnectionError("Connection closed by server.")

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as c:
        response = await c.get("/needs-redis")
    assert response.status_code == 503
    assert response.json()["error"] == "unavailable"
    assert response.headers["retry-after"] == "1"
