"""Reader and author endpoints: submit, threads, counts, latest, own, likes, reports."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from comments.api.deps import Caller, ClientId, Ctx, CurrentViewer
from comments.api.schemas import (
    CommentOut,
    CountsOut,
    DeletedOut,
    LatestItem,
    LatestOut,
    LikeOut,
    OwnCommentOut,
    OwnListOut,
    ReportOut,
    ReportRequest,
    SubmitRequest,
    SubmitResponse,
    ThreadPageOut,
)
from comments.domain import reactions, reading
from comments.domain.errors import InvalidCursorError
from comments.domain.model import Author
from comments.domain.submit import submit_comment
from comments.domain.text import clean_contact, clean_nickname
from common.ranges import ArticleId, CommentId, SectionId, id_list

router = APIRouter(prefix="/api/v1", tags=["comments"])


def _cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    if not cursor.isdigit() or len(cursor) > 18:
        raise InvalidCursorError("cursor is not one this API handed out")
    return int(cursor)


@router.post("/articles/{article_id}/comments", status_code=202)
async def submit(
    article_id: ArticleId,
    request: SubmitRequest,
    ctx: Ctx,
    principal: Caller,
    client_id: ClientId,
) -> SubmitResponse:
    if principal is not None:
        author = Author(user_id=principal.user_id, name=principal.username, client_id=client_id)
    else:
        name = clean_nickname(request.nickname, max_length=ctx.settings.nickname_max_length)
        author = Author(
            user_id=None, name=name, client_id=client_id, contact=clean_contact(request.contact)
        )
    done = await submit_comment(
        ctx=ctx,
        article_id=article_id,
        body=request.body,
        parent_id=request.parent_id,
        author=author,
    )
    return SubmitResponse(
        id=done.id,
        status=done.status,
        reasons=done.reasons,
        created_at=done.created_at,
    )


@router.get("/articles/{article_id}/comments")
async def threads(
    article_id: ArticleId,
    ctx: Ctx,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> ThreadPageOut:
    page = await reading.article_threads(
        ctx=ctx, article_id=article_id, before_id=_cursor(cursor), limit=limit
    )
    return ThreadPageOut(
        article_id=page.article_id,
        items=[CommentOut.of(v) for v in page.items],
        next_cursor=page.next_cursor,
        total=page.total,
    )


@router.get("/comments/counts")
async def counts(ctx: Ctx, article_ids: str) -> CountsOut:
    found = await reading.comment_counts(
        ctx=ctx, article_ids=id_list(article_ids, name="article_ids", most=200)
    )
    return CountsOut(counts={str(k): v for k, v in found.items()})


@router.get("/comments/latest")
async def latest(
    ctx: Ctx,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
    section: SectionId | None = None,
) -> LatestOut:
    views = await reading.latest_comments(ctx=ctx, limit=limit, section_id=section)
    return LatestOut(items=[_latest_item(v) for v in views])


@router.get("/comments/mine")
async def mine(
    ctx: Ctx,
    viewer: CurrentViewer,
    article_id: ArticleId | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> OwnListOut:
    views = await reading.my_comments(ctx=ctx, viewer=viewer, article_id=article_id, limit=limit)
    return OwnListOut(items=[OwnCommentOut.own(v) for v in views])


@router.get("/comments/{comment_id}")
async def one(comment_id: CommentId, ctx: Ctx, viewer: CurrentViewer) -> CommentOut | OwnCommentOut:
    view = await reading.one_comment(ctx=ctx, viewer=viewer, comment_id=comment_id)
    return CommentOut.of(view) if view.status == "approved" else OwnCommentOut.own(view)


@router.post("/comments/{comment_id}/report", status_code=202)
async def report(
    comment_id: CommentId, request: ReportRequest, ctx: Ctx, viewer: CurrentViewer
) -> ReportOut:
    repeat = await reactions.report_comment(
        ctx=ctx, viewer=viewer, comment_id=comment_id, reason=request.reason, note=request.note
    )
    return ReportOut(comment_id=comment_id, duplicate=repeat)


@router.post("/comments/{comment_id}/like")
async def like(comment_id: CommentId, ctx: Ctx, viewer: CurrentViewer) -> LikeOut:
    count, repeat = await reactions.like_comment(ctx=ctx, viewer=viewer, comment_id=comment_id)
    return LikeOut(comment_id=comment_id, like_count=count, duplicate=repeat)


@router.delete("/comments/{comment_id}")
async def delete(
    comment_id: CommentId, ctx: Ctx, viewer: CurrentViewer, principal: Caller
) -> DeletedOut:
    status = await reactions.delete_comment(
        ctx=ctx,
        viewer=viewer,
        actor_name=principal.username if principal else "author",
        comment_id=comment_id,
    )
    return DeletedOut(id=comment_id, status=status)


def _latest_item(view: reading.CommentView) -> LatestItem:
    public = CommentOut.of(view)
    return LatestItem(
        id=view.id,
        article_id=view.article_id,
        article_title=view.article_title,
        section_id=view.section_id,
        author=public.author,
        body=view.body,
        published_at=view.published_at,
    )
