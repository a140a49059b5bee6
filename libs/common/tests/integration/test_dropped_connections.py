"""No ping per checkout: a connection the server closed is replaced, or costs one 503."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from common.db import Query, create_engine, reading
from common.service import create_service_app
from common.settings import ServiceSettings


@asynccontextmanager
async def _nothing(_: FastAPI) -> AsyncIterator[None]:
    yield


def _app(settings: ServiceSettings, engine: AsyncEngine) -> FastAPI:
    app = create_service_app(settings=settings, title="t", lifespan=_nothing)

    @app.get("/backend")
    async def backend(sleep: float = 0) -> dict[str, int]:
        async with engine.connect() as conn:
            pid = int(await conn.scalar(select(func.pg_backend_pid())))
            if sleep:
                await conn.execute(text("SELECT pg_sleep(:s)"), {"s": sleep})
            return {"pid": pid}

    @app.get("/driver")
    async def driver(sleep: float = 0) -> dict[str, int]:  # the same, on the driver
        async with reading(engine) as conn:
            row = await PID_AFTER.first(conn, {"s": sleep})
            assert row is not None
            return {"pid": row.pid}

    return app


PID_AFTER = Query(text("SELECT pg_backend_pid() AS pid FROM pg_sleep(:s)"))


async def _terminate(settings: ServiceSettings, pid: int) -> None:
    killer = create_engine(settings)  # a pool of its own: the victim stays where it is
    try:
        async with killer.connect() as conn:
            await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        await killer.dispose()


async def test_a_pooled_connection_the_server_closed_is_replaced_at_checkout(
    common_infra: ServiceSettings, engine: AsyncEngine
) -> None:
    assert engine.pool._pre_ping is False  # type: ignore[attr-defined] # no ping per checkout
    transport = httpx.ASGITransport(_app(common_infra, engine))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        pid = (await client.get("/backend")).json()["pid"]  # now idle in the pool
        await _terminate(common_infra, pid)
        await asyncio.sleep(0.2)  # the close reaches the idle connection's socket
        replaced = await client.get("/backend")
        assert replaced.status_code == 200, replaced.text
        assert replaced.json()["pid"] != pid


@pytest.mark.parametrize("path", ["/backend", "/driver"])
async def test_a_connection_cut_mid_statement_is_503_then_the_pool_heals(
    common_infra: ServiceSettings, engine: AsyncEngine, path: str
) -> None:
    transport = httpx.ASGITransport(_app(common_infra, engine))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        pid = (await client.get(path)).json()["pid"]
        slow = asyncio.create_task(client.get(path, params={"sleep": 5}))
        await asyncio.sleep(0.3)  # the pooled connection (same pid) is inside pg_sleep
        await _terminate(common_infra, pid)
        cut = await slow
        assert cut.status_code == 503, cut.text
        assert cut.json()["error"] == "unavailable"
        assert cut.headers["retry-after"]
        healed = await client.get(path)
        assert healed.status_code == 200
        assert healed.json()["pid"] != pid


async def test_a_busy_pool_keeps_its_connections_and_answers_503_past_its_timeout(
    common_infra: ServiceSettings,
) -> None:
    settings = common_infra.model_copy(update={"db_pool_size": 2, "db_pool_timeout": 0.5})
    engine = create_engine(settings)
    transport = httpx.ASGITransport(_app(settings, engine))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            # twice the pool's size at once: the second pair waits for the first pair's
            # connections instead of opening (and closing again) connections of its own
            answers = await asyncio.gather(
                *(client.get("/backend", params={"sleep": 0.2}) for _ in range(4))
            )
            assert [a.status_code for a in answers] == [200] * 4
            assert len({a.json()["pid"] for a in answers}) == 2
            # both held past the timeout: the third request is told to retry, not a 500
            held = [
                asyncio.create_task(client.get("/backend", params={"sleep": 2})) for _ in range(2)
            ]
            await asyncio.sleep(0.3)
            busy = await client.get("/backend")
            assert busy.status_code == 503, busy.text
            assert busy.json()["error"] == "unavailable"
            assert busy.headers["retry-after"]
            assert [(await h).status_code for h in held] == [200, 200]
    finally:
        await engine.dispose()
