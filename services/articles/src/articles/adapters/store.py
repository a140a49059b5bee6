"""Queries shared by the domain functions (SQLAlchemy Core over the service's own tables)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Text, cast, func, literal, select, text
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from articles.adapters.tables import article_revisions, articles, outbox, sections
from articles.domain.records import Article
from articles.domain.sections import Section, SectionTree
from common.db import Reader
from common.events import EventData
from common.outbox import add_event

PRODUCER = "articles"
_HEAVY = {"search_vector", "body_html", "body_text"}
LIST_COLUMNS: list[Any] = [c for c in articles.c if c.name not in _HEAVY] + [
    literal("").label("body_html"),
    literal("").label("body_text"),
]
FULL_COLUMNS: list[Any] = [c for c in articles.c if c.name != "search_vector"]


def tsvector(document: str) -> ColumnElement[Any]:
    """A tsvector from the literal our segmenter built (no text-search parser involved)."""
    return cast(cast(literal(document), Text), TSVECTOR)


async def load_tree(session: Reader) -> SectionTree:
    """Every section (a few dozen rows) as a tree."""
    rows = (await session.execute(select(sections))).all()
    return SectionTree.of(
        Section(
            id=r.id,
            parent_id=r.parent_id,
            slug=r.slug,
            name=r.name,
            position=r.position,
            description=r.description,
            comment_policy=r.comment_policy,
            comments_open=r.comments_open,
            comment_max_length=r.comment_max_length,
        )
        for r in rows
    )


async def get_article(session: Reader, article_id: int, *, lock: bool = False) -> Article | None:
    """One article in any status (callers decide who may see it)."""
    query = select(*FULL_COLUMNS).where(articles.c.id == article_id)
    if lock:
        query = query.with_for_update()
    row = (await session.execute(query)).first()
    return Article.from_row(row) if row else None


async def find_by_slug(session: Reader, slug: str) -> Article | None:
    """The article with exactly this slug."""
    row = (await session.execute(select(*FULL_COLUMNS).where(articles.c.slug == slug))).first()
    return Article.from_row(row) if row else None


async def next_article_id(session: AsyncSession) -> int:
    """Reserve an id up front: the slug contains it."""
    value = await session.scalar(text("SELECT nextval(pg_get_serial_sequence('articles', 'id'))"))
    return int(value)


async def update_article_row(session: AsyncSession, article_id: int, **values: Any) -> Article:
    """Write columns of one article and return it as it is now."""
    row = (
        await session.execute(
            articles.update()
            .where(articles.c.id == article_id)
            .values(updated_at=func.now(), **values)
            .returning(*FULL_COLUMNS)
        )
    ).one()
    return Article.from_row(row)


async def add_revision(
    session: AsyncSession, article: Article, *, note: str, editor_id: int | None
) -> None:
    """Keep the article's current content as its numbered revision."""
    content = article.content
    await session.execute(
        article_revisions.insert().values(
            article_id=article.id,
            revision=article.revision,
            section_id=article.section_id,
            title=content.title,
            subtitle=content.subtitle,
            summary=content.summary,
            body_html=content.body_html,
            source=content.source,
            author=content.author,
            tags=list(content.tags),
            cover_image_url=content.cover_image_url,
            note=note[:200],
            created_by=editor_id,
        )
    )


_changes_written = 0  # events this process has recorded: read models built before are stale


async def emit(session: AsyncSession, payload: EventData, *, key: str) -> None:
    """Record an event in the outbox, in the caller's transaction."""
    global _changes_written  # one process-wide count, bumped here only
    _changes_written += 1
    await add_event(session, outbox, payload, key=key, producer=PRODUCER)


def changes_written() -> int:
    """How many article and section events this process has recorded so far.

    Every change to an article or the section tree records an event, so a read model
    computed while this number held still saw none of this process's changes since.
    """
    return _changes_written
