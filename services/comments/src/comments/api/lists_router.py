"""Moderation desk endpoints for word lists, bans and the audit log (moderators only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from comments.adapters import audit
from comments.api.deps import Ctx, Moderator
from comments.api.desk_schemas import (
    AuditOut,
    AuditPageOut,
    BanOut,
    BanRequest,
    BansOut,
    WordChangeOut,
    WordListOut,
    WordOut,
    WordsRequest,
)
from comments.domain import bans, words
from comments.domain.bans import SubjectType
from comments.domain.wordlist import WordListName
from common.ranges import CommentId, RowId, UserId

ListParam = Annotated[WordListName, Query(alias="list")]
router = APIRouter(prefix="/api/v1/moderation", tags=["moderation"])


@router.get("/words")
async def get_words(ctx: Ctx, _: Moderator, list_name: ListParam) -> WordListOut:
    version, entries = await words.list_words(ctx=ctx, list_name=list_name)
    items = [
        WordOut(word=e.word, normalized=e.normalized, created_at=e.created_at) for e in entries
    ]
    return WordListOut(list=list_name, version=version, words=items)


@router.post("/words")
async def add_words(
    request: WordsRequest, ctx: Ctx, moderator: Moderator, list_name: ListParam
) -> WordChangeOut:
    change = await words.add_words(
        ctx=ctx, actor=moderator, list_name=list_name, words=request.words
    )
    return WordChangeOut(list=list_name, version=change.version, added=change.changed)


@router.put("/words")
async def replace_words(
    request: WordsRequest, ctx: Ctx, moderator: Moderator, list_name: ListParam
) -> WordChangeOut:
    change = await words.replace_words(
        ctx=ctx, actor=moderator, list_name=list_name, words=request.words
    )
    return WordChangeOut(list=list_name, version=change.version, count=change.changed)


@router.delete("/words")
async def remove_words(
    ctx: Ctx,
    moderator: Moderator,
    list_name: ListParam,
    word: Annotated[list[str], Query(min_length=1, max_length=500)],
) -> WordChangeOut:
    change = await words.remove_words(ctx=ctx, actor=moderator, list_name=list_name, words=word)
    return WordChangeOut(list=list_name, version=change.version, removed=change.changed)


@router.post("/bans", status_code=201)
async def create_ban(request: BanRequest, ctx: Ctx, moderator: Moderator) -> BanOut:
    row = await bans.create_ban(ctx=ctx, actor=moderator, **request.model_dump())
    return BanOut.model_validate(row)


@router.get("/bans")
async def list_bans(
    ctx: Ctx,
    _: Moderator,
    active: bool | None = None,
    subject_type: SubjectType | None = None,
    subject: Annotated[str | None, Query(max_length=128)] = None,
) -> BansOut:
    rows = await bans.list_bans(ctx=ctx, active=active, subject_type=subject_type, subject=subject)
    return BansOut(items=[BanOut.model_validate(r) for r in rows])


@router.delete("/bans/{ban_id}")
async def lift_ban(ban_id: RowId, ctx: Ctx, moderator: Moderator) -> BanOut:
    return BanOut.model_validate(await bans.lift_ban(ctx=ctx, actor=moderator, ban_id=ban_id))


@router.get("/audit")
async def audit_log(
    ctx: Ctx,
    _: Moderator,
    comment_id: CommentId | None = None,
    actor_id: UserId | None = None,
    action: Annotated[str | None, Query(max_length=40)] = None,
    before_id: RowId | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AuditPageOut:
    async with ctx.sessions() as session:
        rows = await audit.entries(
            session,
            comment_id=comment_id,
            actor_id=actor_id,
            action=action,
            before_id=before_id,
            limit=limit,
        )
    items = [AuditOut.model_validate(r) for r in rows]
    more = len(items) == limit
    return AuditPageOut(items=items, next_before_id=items[-1].id if more and items else None)
