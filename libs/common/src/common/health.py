"""``/healthz`` (the process is alive) and ``/readyz`` (its own dependencies answer)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

Check = Callable[[], Awaitable[object]]


def health_router() -> APIRouter:
    """Health endpoints; readiness runs the checks in ``app.state.readiness_checks``."""
    router = APIRouter(tags=["health"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz")
    async def readyz(request: Request) -> JSONResponse:
        checks: Mapping[str, Check] = getattr(request.app.state, "readiness_checks", {})
        results = await asyncio.gather(*(_run(c) for c in checks.values()))
        report = dict(zip(checks, results, strict=True))
        ready = all(v == "ok" for v in report.values())
        return JSONResponse(
            {"status": "ready" if ready else "unavailable", "checks": report},
            status_code=200 if ready else 503,
        )

    return router


async def _run(check: Check, limit: float = 2.0) -> str:
    try:
        await asyncio.wait_for(check(), limit)
    except Exception as exc:
        return f"error: {type(exc).__name__}: {exc}"[:300]
    return "ok"
