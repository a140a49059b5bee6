"""Routes: parse, call the domain, shape the answer."""

from __future__ import annotations

import time
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from analytics.adapters.lag import LagMonitor
from analytics.adapters.read_model import ReadModel
from analytics.api import schemas as s
from analytics.domain import reading
from analytics.domain.buckets import HotWindow, WindowName
from analytics.domain.overview import overview
from analytics.settings import Settings
from common.auth import Admin
from common.ranges import ArticleId, SectionId

router = APIRouter(prefix="/api/v1", tags=["analytics"])
# the dependencies below are async: FastAPI runs a plain ``def`` one in a worker thread
WindowParam = Annotated[str, Query(description="1h, 24h or 7d")]


async def _model(request: Request) -> ReadModel:
    model: ReadModel = request.app.state.read_model
    return model


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _windows(request: Request) -> dict[WindowName, HotWindow]:
    windows: dict[WindowName, HotWindow] = request.app.state.hot_windows
    return windows


Model = Annotated[ReadModel, Depends(_model)]
Config = Annotated[Settings, Depends(_settings)]
Windows = Annotated[dict[WindowName, HotWindow], Depends(_windows)]


@router.get("/reads")
async def get_reads(model: Model, ids: Annotated[str, Query(max_length=10_000)]) -> s.ReadsResponse:
    """Reads and unique visitors of many articles in one call."""
    items = await reading.reads_of(model=model, raw_ids=ids)
    return s.ReadsResponse.model_validate({"items": items})


@router.get("/articles/{article_id}/stats")
async def get_article_stats(model: Model, article_id: ArticleId) -> s.ArticleStats:
    """Everything counted about one article."""
    found = await reading.article_stats(model=model, article_id=article_id, now=time.time())
    return s.ArticleStats.model_validate(found)


@router.get("/hot")
async def get_hot(
    model: Model,
    config: Config,
    windows: Windows,
    window: WindowParam = "24h",
    section: SectionId | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> s.HotResponse:
    """Hot articles of a window, overall or in a section's subtree."""
    now = time.time()
    entries = await reading.hot_list(
        model=model,
        window=reading.pick_window(windows, window),
        section_id=section,
        limit=limit,
        now=now,
        cache_seconds=config.hot_cache_seconds,
    )
    return s.HotResponse(
        window=window,
        section=section,
        generated_at=datetime.fromtimestamp(now, UTC),
        items=[s.HotItem.model_validate(asdict(e)) for e in entries],
    )


@router.get("/hot/{article_id}/explain")
async def get_explain(
    model: Model,
    config: Config,
    windows: Windows,
    article_id: ArticleId,
    window: WindowParam = "24h",
) -> s.ExplainResponse:
    """How an article's hot score in a window is made up."""
    now = time.time()
    found = await reading.explain(
        model=model,
        window=reading.pick_window(windows, window),
        article_id=article_id,
        now=now,
        cache_seconds=config.hot_cache_seconds,
    )
    return s.ExplainResponse.model_validate(
        found | {"generated_at": datetime.fromtimestamp(now, UTC)}
    )


@router.get("/stats/overview")
async def get_overview(
    request: Request,
    _: Admin,  # consumer lag and offsets are for operators (the ops page), not the public
    model: Model,
    config: Config,
    windows: Windows,
    minutes: Annotated[int, Query(ge=1, le=180)] = 30,
) -> s.OverviewResponse:
    """Live statistics for the ops dashboard (admin only)."""
    now = time.time()
    top = await reading.hot_list(
        model=model,
        window=windows["1h"],
        section_id=None,
        limit=10,
        now=now,
        cache_seconds=config.hot_cache_seconds,
    )
    monitor: LagMonitor = request.app.state.lag_monitor
    lag, error = await monitor.lag()
    found = await overview(model=model, minutes=minutes, now=now, top=top, lag=lag, lag_error=error)
    found["top_articles"] = [asdict(e) for e in top]
    return s.OverviewResponse.model_validate(
        found | {"generated_at": datetime.fromtimestamp(now, UTC)}
    )


@router.get("/stats/sections")
async def get_sections(model: Model) -> s.SectionsResponse:
    """Reads per section, each including its subsections."""
    return s.SectionsResponse.model_validate({"items": await reading.section_totals(model=model)})
