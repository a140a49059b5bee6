"""Moderation desk endpoints: queue, claims, decisions, stats (moderators only)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from comments.adapters.queue import QueueFilter
from comments.api.deps import Ctx, Moderator
from comments.api.desk_schemas import (
    ClaimRequest,
    ClaimsOut,
    DecisionOut,
    DecisionsOut,
    DecisionsRequest,
    ModerationItem,
    QueueOut,
    ReleaseOut,
    ReleaseRequest,
    StatsOut,
)
from comments.domain import desk
from common.ranges import ArticleId, SectionId

router = APIRouter(prefix="/api/v1/moderation", tags=["moderation"])


@router.get("/queue")
async def queue(
    ctx: Ctx,
    _: Moderator,
    status: Literal["pending", "reported"] = "pending",
    section: SectionId | None = None,
    article: ArticleId | None = None,
    reason: Annotated[str | None, Query(max_length=64)] = None,
    min_age: Annotated[float | None, Query(ge=0, le=10 * 365 * 86400)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> QueueOut:
    filters = QueueFilter(
        status=status,
        section_id=section,
        article_id=article,
        reason=reason,
        min_age_seconds=min_age,
    )
    page = await desk.moderation_queue(ctx=ctx, filters=filters, limit=limit)
    return QueueOut(
        items=[
            ModerationItem.of(r, page.records.get(r.id), page.marks.get(r.id, ()))
            for r in page.items
        ],
        total=page.total,
        oldest_age_seconds=page.oldest_age_seconds,
    )


@router.post("/claims")
async def claim(request: ClaimRequest, ctx: Ctx, moderator: Moderator) -> ClaimsOut:
    ids = tuple(dict.fromkeys(request.comment_ids)) if request.comment_ids else None
    filters = QueueFilter(
        status=request.status,
        section_id=request.section,
        article_id=request.article,
        reason=request.reason,
        min_age_seconds=request.min_age,
        ids=ids,
    )
    rows, unavailable = await desk.claim_comments(
        ctx=ctx,
        moderator=moderator,
        filters=filters,
        count=request.count or len(ids or ()),
        ttl_seconds=request.ttl_seconds,
    )
    return ClaimsOut(claimed=[ModerationItem.of(r) for r in rows], unavailable=unavailable)


@router.post("/claims/release")
async def release(request: ReleaseRequest, ctx: Ctx, moderator: Moderator) -> ReleaseOut:
    released = await desk.release_claims(ctx=ctx, moderator=moderator, ids=request.comment_ids)
    return ReleaseOut(released=released)


@router.post("/decisions")
async def decisions(request: DecisionsRequest, ctx: Ctx, moderator: Moderator) -> DecisionsOut:
    asked = [
        desk.DecisionRequest(d.comment_id, d.decision, d.reason.strip()) for d in request.decisions
    ]
    results = await desk.decide(ctx=ctx, moderator=moderator, decisions=asked)
    return DecisionsOut(
        results=[
            DecisionOut(comment_id=r.comment_id, outcome=r.outcome, status=r.status)
            for r in results
        ]
    )


@router.get("/stats")
async def stats(ctx: Ctx, _: Moderator) -> StatsOut:
    return StatsOut(**await desk.desk_stats(ctx=ctx))
