"""Workflow transitions and the scheduler's "publish what is due"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from articles.adapters import store
from articles.adapters.tables import articles
from articles.domain.editing import editable_article
from articles.domain.events import article_key, snapshot
from articles.domain.records import Article
from articles.domain.workflow import Action, Status, next_status
from common.errors import InvalidInputError
from common.events.articles import (
    ArticleArchived,
    ArticleDeleted,
    ArticlePublished,
    ArticleUnpublished,
)

MAX_SCHEDULE_AHEAD = timedelta(days=366)


def _now() -> datetime:
    return datetime.now(UTC)


async def _publish_locked(
    session: AsyncSession, article: Article, *, at: datetime | None = None
) -> Article:
    next_status(Action.PUBLISH, article.status)
    published = await store.update_article_row(
        session,
        article.id,
        status=Status.PUBLISHED.value,
        published_at=at or _now(),
        scheduled_at=None,
    )
    tree = await store.load_tree(session)
    await store.emit(
        session, ArticlePublished(**snapshot(published, tree)), key=article_key(article.id)
    )
    return published


async def publish_article(
    session: AsyncSession, *, article_id: int, at: datetime | None = None
) -> Article:
    """Make an article visible now (``at`` backdates it: demo content and imports only)."""
    article = await editable_article(session, article_id)
    return await _publish_locked(session, article, at=at)


async def schedule_article(
    session: AsyncSession, *, article_id: int, at: datetime, now: datetime | None = None
) -> Article:
    """Publish automatically at ``at`` (a future, timezone-aware time)."""
    if at.tzinfo is None:
        raise InvalidInputError("publish_at: must include a timezone (e.g. 2030-01-01T08:00:00Z)")
    now = now or _now()
    if at <= now:
        raise InvalidInputError("publish_at: must be in the future")
    if at > now + MAX_SCHEDULE_AHEAD:
        raise InvalidInputError("publish_at: at most a year ahead")
    article = await editable_article(session, article_id)
    next_status(Action.SCHEDULE, article.status)
    return await store.update_article_row(
        session, article.id, status=Status.SCHEDULED.value, scheduled_at=at.astimezone(UTC)
    )


async def unpublish_article(session: AsyncSession, *, article_id: int) -> Article:
    """Back to draft: out of every reader's view (or a schedule cancelled)."""
    article = await editable_article(session, article_id)
    next_status(Action.UNPUBLISH, article.status)
    was_visible = article.status in {Status.PUBLISHED, Status.ARCHIVED}
    draft = await store.update_article_row(
        session, article.id, status=Status.DRAFT.value, scheduled_at=None
    )
    if was_visible:
        payload = ArticleUnpublished(article_id=article.id, section_id=article.section_id)
        await store.emit(session, payload, key=article_key(article.id))
    return draft


async def archive_article(session: AsyncSession, *, article_id: int) -> Article:
    """Out of lists, search and feeds; still readable by its link."""
    article = await editable_article(session, article_id)
    next_status(Action.ARCHIVE, article.status)
    archived = await store.update_article_row(session, article.id, status=Status.ARCHIVED.value)
    payload = ArticleArchived(article_id=article.id, section_id=article.section_id)
    await store.emit(session, payload, key=article_key(article.id))
    return archived


async def delete_article(session: AsyncSession, *, article_id: int) -> None:
    """Gone from every path (the row stays for the record, with its revisions)."""
    article = await editable_article(session, article_id)
    next_status(Action.DELETE, article.status)
    await store.update_article_row(
        session, article.id, status=Status.DELETED.value, scheduled_at=None
    )
    payload = ArticleDeleted(article_id=article.id, section_id=article.section_id)
    await store.emit(session, payload, key=article_key(article.id))


async def publish_due_articles(
    session: AsyncSession, *, now: datetime | None = None, limit: int = 100
) -> list[int]:
    """Publish scheduled articles whose time has come; rows another copy holds are skipped."""
    due = (
        await session.execute(
            select(*store.FULL_COLUMNS)
            .where(articles.c.status == Status.SCHEDULED.value)
            .where(articles.c.scheduled_at <= (now or _now()))
            .order_by(articles.c.scheduled_at, articles.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()
    for row in due:
        await _publish_locked(session, Article.from_row(row))
    return [row.id for row in due]
