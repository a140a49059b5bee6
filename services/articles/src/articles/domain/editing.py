"""Writing articles: create, edit, revisions and restoring a revision."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from articles.adapters import store
from articles.adapters.tables import article_revisions, articles
from articles.domain import segmentation
from articles.domain.content import ArticleContent, ValidContent, validate_content
from articles.domain.events import article_key, snapshot
from articles.domain.records import Article
from articles.domain.search_text import search_document
from articles.domain.slugs import article_slug
from articles.domain.workflow import READER_VISIBLE, Status
from common.errors import InvalidInputError, NotFoundError
from common.events.articles import ArticleUpdated


def indexed_values(valid: ValidContent) -> dict[str, Any]:
    """Column values of validated content, with its search document and keywords."""
    c = valid.content
    segmentation.add_domain_words(c.tags)
    return {
        "title": c.title,
        "subtitle": c.subtitle,
        "summary": c.summary,
        "body_html": c.body_html,
        "body_text": valid.body_text,
        "source": c.source,
        "author": c.author,
        "tags": list(c.tags),
        "cover_image_url": c.cover_image_url,
        "keywords": segmentation.keywords(f"{c.title}\n{c.title}\n{c.summary}\n{valid.body_text}"),
        "search_vector": store.tsvector(
            search_document(title=c.title, summary=c.summary, body=valid.body_text)
        ),
    }


async def _existing_section(session: AsyncSession, section_id: int) -> None:
    tree = await store.load_tree(session)
    if section_id not in tree.by_id:
        raise InvalidInputError(f"section_id: section {section_id} does not exist")


async def editable_article(session: AsyncSession, article_id: int) -> Article:
    """The article locked for change; deleted ones are gone."""
    article = await store.get_article(session, article_id, lock=True)
    if article is None or article.status == Status.DELETED:
        raise NotFoundError(f"article {article_id} does not exist")
    return article


async def create_article(
    session: AsyncSession, *, section_id: int, content: ArticleContent, editor_id: int | None
) -> Article:
    """A new draft, kept as revision 1."""
    await _existing_section(session, section_id)
    valid = validate_content(content)
    article_id = await store.next_article_id(session)
    await session.execute(
        articles.insert().values(
            id=article_id,
            section_id=section_id,
            status=Status.DRAFT.value,
            slug=article_slug(valid.content.title, article_id),
            revision=1,
            created_by=editor_id,
            updated_by=editor_id,
            **indexed_values(valid),
        )
    )
    article = await store.get_article(session, article_id)
    assert article is not None  # noqa: S101 - inserted just above
    await store.add_revision(session, article, note="created", editor_id=editor_id)
    return article


async def update_article(
    session: AsyncSession,
    *,
    article_id: int,
    changes: dict[str, Any],
    editor_id: int | None,
    note: str = "edited",
) -> Article:
    """Apply an edit as a new revision; readers' copies are told through article.updated."""
    current = await editable_article(session, article_id)
    changes = dict(changes)
    section_id = int(changes.pop("section_id", None) or current.section_id)
    if section_id != current.section_id:
        await _existing_section(session, section_id)
    valid = validate_content(current.content.changed(**changes))
    if valid.content == current.content and section_id == current.section_id:
        return current  # nothing changed: no new revision
    values = indexed_values(valid)
    if current.published_at is None and valid.content.title != current.content.title:
        values["slug"] = article_slug(valid.content.title, article_id)
    article = await store.update_article_row(
        session,
        article_id,
        section_id=section_id,
        revision=current.revision + 1,
        updated_by=editor_id,
        **values,
    )
    await store.add_revision(session, article, note=note, editor_id=editor_id)
    if article.status in READER_VISIBLE:
        tree = await store.load_tree(session)
        payload = ArticleUpdated(**snapshot(article, tree), status=article.status)
        await store.emit(session, payload, key=article_key(article.id))
    return article


async def list_revisions(session: AsyncSession, *, article_id: int) -> list[dict[str, Any]]:
    """Every revision of an article, newest first."""
    await editable_article(session, article_id)
    t = article_revisions
    rows = await session.execute(
        select(t).where(t.c.article_id == article_id).order_by(t.c.revision.desc())
    )
    return [dict(r._mapping) for r in rows]


async def restore_revision(
    session: AsyncSession, *, article_id: int, revision: int, editor_id: int | None
) -> Article:
    """Make an old revision's content current again (as a new revision)."""
    t = article_revisions
    row = (
        await session.execute(
            select(t).where(t.c.article_id == article_id, t.c.revision == revision)
        )
    ).first()
    if row is None:
        raise NotFoundError(f"article {article_id} has no revision {revision}")
    changes: dict[str, Any] = {
        name: getattr(row, name)
        for name in ("title", "subtitle", "summary", "body_html", "source", "author")
    }
    changes |= {"tags": tuple(row.tags), "cover_image_url": row.cover_image_url}
    tree = await store.load_tree(session)
    if row.section_id in tree.by_id:
        changes["section_id"] = row.section_id
    return await update_article(
        session,
        article_id=article_id,
        changes=changes,
        editor_id=editor_id,
        note=f"restored revision {revision}",
    )
