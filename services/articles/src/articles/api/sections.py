"""Sections: the tree, one section, its articles; editors create and change sections."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from articles.api.deps import DatabaseDep
from articles.api.mapping import json_response, page_body, section_detail, section_node
from articles.api.schemas import (
    ArticlePage,
    SectionCreate,
    SectionDetail,
    SectionTreeOut,
    SectionUpdate,
)
from articles.domain import reading, section_admin
from articles.domain.section_admin import SectionFields
from common.auth import Editor
from common.ranges import SectionId

router = APIRouter(prefix="/api/v1/sections", tags=["sections"])


@router.get("")
async def list_sections(db: DatabaseDep) -> SectionTreeOut:
    """Every section as a tree, children in display order."""
    async with db.reading() as conn:
        tree = await section_admin.section_tree(conn)
    return SectionTreeOut(items=[section_node(tree, s) for s in tree.children.get(None, [])])


@router.get("/{section_id}")
async def get_section(section_id: SectionId, db: DatabaseDep) -> SectionDetail:
    """One section with breadcrumbs, children and effective comment settings."""
    async with db.reading() as conn:
        tree = await section_admin.section_tree(conn)
    return section_detail(tree, section_id)


@router.get("/{section_id}/articles", response_model=ArticlePage)
async def section_articles(
    section_id: SectionId,
    db: DatabaseDep,
    cursor: str | None = None,
    page: Annotated[int | None, Query(ge=1, le=1000)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    subsections: bool = True,
) -> Response:
    """Published articles of a section (and, by default, its subsections), newest first."""
    async with db.reading() as conn:
        found = await reading.list_section(
            conn,
            section_id=section_id,
            subsections=subsections,
            cursor=cursor,
            page=page,
            limit=limit,
        )
    return json_response(page_body(found, page_number=page if cursor is None else None))


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_section(body: SectionCreate, db: DatabaseDep, _: Editor) -> SectionDetail:
    """A new section (editors and admins)."""
    async with db.transaction() as session:
        section = await section_admin.create_section(
            session, fields=SectionFields(**body.model_dump())
        )
        tree = await section_admin.section_tree(session)
    return section_detail(tree, section.id)


@router.patch("/{section_id}")
async def update_section(
    section_id: SectionId, body: SectionUpdate, db: DatabaseDep, _: Editor
) -> SectionDetail:
    """Change a section; a comment-setting change is announced for its whole subtree."""
    async with db.transaction() as session:
        await section_admin.update_section(
            session, section_id=section_id, changes=body.model_dump(exclude_unset=True)
        )
        tree = await section_admin.section_tree(session)
    return section_detail(tree, section_id)
