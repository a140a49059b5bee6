"""The local replica of article state, kept only from articles events (order-safe, idempotent)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from comments.adapters.tables import articles, section_settings
from common.events import Envelope, EventData, UnknownEventError
from common.events.articles import (
    ArticleArchived,
    ArticleDeleted,
    ArticlePublished,
    ArticleUnpublished,
    ArticleUpdated,
    SectionSettingsChanged,
)

log = logging.getLogger(__name__)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CLOSING: dict[type[EventData], str] = {
    ArticleUnpublished: "unpublished",
    ArticleArchived: "archived",
    ArticleDeleted: "deleted",
}


async def apply_article_event(session: AsyncSession, envelope: Envelope) -> None:
    """Fold one articles event into the replica; older events never overwrite newer state."""
    try:
        payload = envelope.payload()
    except UnknownEventError:
        log.info("ignoring %s v%d", envelope.event_type, envelope.event_version)
        return
    at = envelope.occurred_at
    if isinstance(payload, ArticlePublished | ArticleUpdated):
        status = payload.status if isinstance(payload, ArticleUpdated) else "published"
        await _apply_snapshot(session, payload, status=status, at=at)
    elif isinstance(payload, ArticleUnpublished | ArticleArchived | ArticleDeleted):
        await _apply_status(session, payload, status=_CLOSING[type(payload)], at=at)
    elif isinstance(payload, SectionSettingsChanged):
        await _apply_section_settings(session, payload, at=at)


_SNAPSHOT_FIELDS = ("section_id", "section_path", "title", "status", "status_at")


def _settings_values(p: ArticlePublished | ArticleUpdated, at: datetime) -> dict[str, Any]:
    return {
        "comment_policy": p.comments.comment_policy,
        "comments_open": p.comments.comments_open,
        "comment_max_length": p.comments.comment_max_length,
        "settings_at": at,
    }


async def _apply_snapshot(
    session: AsyncSession, p: ArticlePublished | ArticleUpdated, *, status: str, at: datetime
) -> None:
    """Content and status guarded by ``status_at``; comment settings by ``settings_at``."""
    a = articles.c
    settings = _settings_values(p, at)
    stmt = insert(articles).values(
        article_id=p.article_id,
        section_id=p.section_id,
        section_path=p.section_path or [p.section_id],
        title=p.title,
        status=status,
        status_at=at,
        **settings,
    )
    newer_content = {k: stmt.excluded[k] for k in _SNAPSHOT_FIELDS} | {"updated_at": func.now()}
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[a.article_id],
            set_=newer_content,
            where=a.status_at <= stmt.excluded.status_at,
        )
    )
    await session.execute(
        articles.update().where(a.article_id == p.article_id, a.settings_at < at).values(**settings)
    )


async def _apply_status(
    session: AsyncSession,
    p: ArticleUnpublished | ArticleArchived | ArticleDeleted,
    *,
    status: str,
    at: datetime,
) -> None:
    stmt = insert(articles).values(
        article_id=p.article_id,
        section_id=p.section_id,
        section_path=[p.section_id],
        status=status,
        status_at=at,
        settings_at=EPOCH,
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[articles.c.article_id],
            set_={"status": status, "status_at": at, "updated_at": func.now()},
            where=articles.c.status_at <= at,
        )
    )


async def _apply_section_settings(
    session: AsyncSession, p: SectionSettingsChanged, *, at: datetime
) -> None:
    for s in p.sections:
        stmt = insert(section_settings).values(
            section_id=s.section_id,
            comment_policy=s.comment_policy,
            comments_open=s.comments_open,
            comment_max_length=s.comment_max_length,
            settings_at=at,
        )
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=[section_settings.c.section_id],
                set_={
                    k: stmt.excluded[k]
                    for k in (
                        "comment_policy",
                        "comments_open",
                        "comment_max_length",
                        "settings_at",
                    )
                },
                where=section_settings.c.settings_at < at,
            )
        )
