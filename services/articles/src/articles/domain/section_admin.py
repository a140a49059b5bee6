"""Creating and changing sections; comment-setting changes are announced for the whole subtree."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from articles.adapters import store
from articles.adapters.tables import sections
from articles.domain.events import section_key, settings_changed
from articles.domain.sections import Section, SectionTree
from articles.domain.slugs import SECTION_SLUG, slug_base
from articles.domain.text_rules import check_text
from common.db import Reader
from common.errors import ConflictError, InvalidInputError
from common.events.articles import CommentPolicy

SETTINGS_FIELDS = ("comment_policy", "comments_open", "comment_max_length")
MAX_COMMENT_LENGTH = 2000


@dataclass(frozen=True, slots=True)
class SectionFields:
    """What an editor sets on a section (``None`` comment settings inherit)."""

    name: str
    slug: str | None = None
    parent_id: int | None = None
    position: int = 0
    description: str = ""
    comment_policy: CommentPolicy | None = None
    comments_open: bool | None = None
    comment_max_length: int | None = None


def _check(values: dict[str, Any]) -> dict[str, Any]:
    for name in ("name", "position", "description"):
        if name in values and values[name] is None:
            raise InvalidInputError(f"{name}: must not be null")
    for name in ("name", "description", "slug"):
        if isinstance(values.get(name), str):
            check_text(name, values[name])
    if "name" in values:
        values["name"] = " ".join(str(values["name"]).split())
        if not 0 < len(values["name"]) <= 60:
            raise InvalidInputError("name: must be 1 to 60 characters")
    if values.get("slug") is not None and not SECTION_SLUG.match(values["slug"]):
        raise InvalidInputError("slug: lower-case letters, digits and '-', at most 80 characters")
    length = values.get("comment_max_length")
    if length is not None and not 1 <= length <= MAX_COMMENT_LENGTH:
        raise InvalidInputError(f"comment_max_length: must be 1 to {MAX_COMMENT_LENGTH}")
    if len(values.get("description") or "") > 500:
        raise InvalidInputError("description: longer than 500 characters")
    return values


async def _free_slug(session: AsyncSession, slug: str, *, own_id: int | None = None) -> None:
    taken = await session.scalar(select(sections.c.id).where(sections.c.slug == slug))
    if taken is not None and taken != own_id:
        raise ConflictError(f"slug: section slug {slug!r} is already used")


async def create_section(session: AsyncSession, *, fields: SectionFields) -> Section:
    """A new section; its effective comment settings are announced."""
    values = _check({k: getattr(fields, k) for k in SectionFields.__slots__})
    tree = await store.load_tree(session)
    tree.check_parent(None, fields.parent_id)
    values["slug"] = values["slug"] or slug_base(values["name"], fallback="section")
    await _free_slug(session, values["slug"])
    new_id = await session.scalar(sections.insert().values(**values).returning(sections.c.id))
    assert new_id is not None  # noqa: S101 - RETURNING gives the id
    tree = await store.load_tree(session)
    await store.emit(session, settings_changed(tree, new_id), key=section_key(new_id))
    return tree.get(new_id)


async def update_section(
    session: AsyncSession, *, section_id: int, changes: dict[str, Any]
) -> Section:
    """Change a section; its subtree's effective settings are announced again."""
    tree = await store.load_tree(session)
    tree.get(section_id)
    unknown = set(changes) - set(SectionFields.__slots__)
    if unknown:
        raise InvalidInputError(f"unknown field(s): {', '.join(sorted(unknown))}")
    values = _check(dict(changes))
    if "parent_id" in values:
        tree.check_parent(section_id, values["parent_id"])
    if values.get("slug"):
        await _free_slug(session, values["slug"], own_id=section_id)
    elif "slug" in values:
        del values["slug"]
    if not values:
        return tree.get(section_id)
    await session.execute(
        sections.update().where(sections.c.id == section_id).values(updated_at=func.now(), **values)
    )
    after_tree = await store.load_tree(session)
    # every change is announced: comments re-applies settings, the gateway drops its menus
    await store.emit(session, settings_changed(after_tree, section_id), key=section_key(section_id))
    return after_tree.get(section_id)


async def section_tree(session: Reader) -> SectionTree:
    """All sections."""
    return await store.load_tree(session)
