"""Editors write: create, edit, workflow transitions, revisions, the editors' list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from articles.api.deps import DatabaseDep
from articles.api.mapping import article_body, json_response, page_body
from articles.api.schemas import (
    ArticleCreate,
    ArticleOut,
    ArticlePage,
    ArticleUpdate,
    RevisionList,
    RevisionOut,
    ScheduleIn,
)
from articles.domain import editing, publishing, reading, section_admin
from articles.domain.content import ArticleContent
from articles.domain.workflow import Status
from common.auth import Editor
from common.ranges import ArticleId, Revision, SectionId

router = APIRouter(prefix="/api/v1", tags=["editing"])


async def _view(db: DatabaseDep, article_id: int, *, status_code: int = 200) -> Response:
    async with db.reading() as conn:
        view = await reading.read_article(conn, article_id=article_id, editor=True)
    return json_response(article_body(view), status_code=status_code)


@router.post("/articles", status_code=status.HTTP_201_CREATED, response_model=ArticleOut)
async def create_article(body: ArticleCreate, db: DatabaseDep, editor: Editor) -> Response:
    """A new draft article."""
    fields = body.model_dump(exclude={"section_id", "tags"})
    async with db.transaction() as session:
        article = await editing.create_article(
            session,
            section_id=body.section_id,
            content=ArticleContent(**fields, tags=tuple(body.tags)),
            editor_id=editor.user_id,
        )
    return await _view(db, article.id, status_code=status.HTTP_201_CREATED)


@router.patch("/articles/{article_id}", response_model=ArticleOut)
async def update_article(
    article_id: ArticleId, body: ArticleUpdate, db: DatabaseDep, editor: Editor
) -> Response:
    """Edit an article; every edit is kept as a revision."""
    changes = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
    async with db.transaction() as session:
        await editing.update_article(
            session, article_id=article_id, changes=changes, editor_id=editor.user_id
        )
    return await _view(db, article_id)


@router.post("/articles/{article_id}/publish", response_model=ArticleOut)
async def publish(article_id: ArticleId, db: DatabaseDep, _: Editor) -> Response:
    """Publish now (from draft, scheduled or archived)."""
    async with db.transaction() as session:
        await publishing.publish_article(session, article_id=article_id)
    return await _view(db, article_id)


@router.post("/articles/{article_id}/schedule", response_model=ArticleOut)
async def schedule(article_id: ArticleId, body: ScheduleIn, db: DatabaseDep, _: Editor) -> Response:
    """Publish automatically at ``publish_at``."""
    async with db.transaction() as session:
        await publishing.schedule_article(session, article_id=article_id, at=body.publish_at)
    return await _view(db, article_id)


@router.post("/articles/{article_id}/unpublish", response_model=ArticleOut)
async def unpublish(article_id: ArticleId, db: DatabaseDep, _: Editor) -> Response:
    """Back to draft (also cancels a schedule)."""
    async with db.transaction() as session:
        await publishing.unpublish_article(session, article_id=article_id)
    return await _view(db, article_id)


@router.post("/articles/{article_id}/archive", response_model=ArticleOut)
async def archive(article_id: ArticleId, db: DatabaseDep, _: Editor) -> Response:
    """Out of lists, search and feeds; readable by link."""
    async with db.transaction() as session:
        await publishing.archive_article(session, article_id=article_id)
    return await _view(db, article_id)


@router.delete("/articles/{article_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete(article_id: ArticleId, db: DatabaseDep, _: Editor) -> Response:
    """Delete an article (gone from every read path)."""
    async with db.transaction() as session:
        await publishing.delete_article(session, article_id=article_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/articles/{article_id}/revisions")
async def revisions(article_id: ArticleId, db: DatabaseDep, _: Editor) -> RevisionList:
    """Every kept revision, newest first."""
    async with db.transaction() as session:
        rows = await editing.list_revisions(session, article_id=article_id)
    return RevisionList(items=[RevisionOut.model_validate(r) for r in rows])


@router.post("/articles/{article_id}/revisions/{revision}/restore", response_model=ArticleOut)
async def restore(
    article_id: ArticleId, revision: Revision, db: DatabaseDep, editor: Editor
) -> Response:
    """Make an old revision current again (kept as a new revision)."""
    async with db.transaction() as session:
        await editing.restore_revision(
            session, article_id=article_id, revision=revision, editor_id=editor.user_id
        )
    return await _view(db, article_id)


@router.get("/editor/articles", response_model=ArticlePage)
async def editor_articles(
    db: DatabaseDep,
    _: Editor,
    status_: Annotated[Status | None, Query(alias="status")] = None,
    section: SectionId | None = None,
    subsections: bool = True,
    cursor: str | None = None,
    page: Annotated[int | None, Query(ge=1, le=1000)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Response:
    """Articles in any status (or one; of a section and, by default, its subsections), most
    recently changed first."""
    async with db.transaction() as session:
        ids = None
        if section is not None:
            tree = await section_admin.section_tree(session)
            tree.get(section)  # 404 for an unknown section
            ids = tree.subtree_ids(section) if subsections else [section]
        found = await reading.list_for_editors(
            session, status=status_, cursor=cursor, limit=limit, section_ids=ids, page=page
        )
    return json_response(page_body(found, page_number=page if cursor is None else None))


@router.get("/editor/articles/{article_id}", response_model=ArticleOut)
async def editor_article(article_id: ArticleId, db: DatabaseDep, _: Editor) -> Response:
    """One article in any status but deleted."""
    return await _view(db, article_id)
