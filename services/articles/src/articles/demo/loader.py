"""Loads the demo tree and articles through the domain functions (so events flow), once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from articles.adapters.tables import sections
from articles.demo.catalogue import ROOTS, DemoSection
from articles.demo.writer import ArticleWriter, DemoArticle
from articles.domain.content import ArticleContent
from articles.domain.editing import create_article
from articles.domain.publishing import publish_article, schedule_article
from articles.domain.section_admin import SectionFields, create_section
from common.db import transaction

ROUNDS = 7
DEMO_EDITOR = None  # written by the system, not by a user


@dataclass(frozen=True)
class DemoReport:
    """What the loader created."""

    sections: int
    published: int
    scheduled: int
    drafts: int


async def _sections(
    session: AsyncSession, node: DemoSection, parent_id: int | None, position: int = 0
) -> list[tuple[DemoSection, int]]:
    created = await create_section(
        session,
        fields=SectionFields(
            name=node.name,
            slug=node.slug,
            parent_id=parent_id,
            position=position,
            description=node.description,
            comment_policy=node.policy,  # type: ignore[arg-type] # catalogue uses valid policies
            comments_open=node.comments_open,
        ),
    )
    found = [(node, created.id)]
    for index, child in enumerate(node.children):
        found += await _sections(session, child, created.id, index)
    return found


async def _create(session: AsyncSession, section_id: int, text: DemoArticle) -> int:
    article = await create_article(
        session,
        section_id=section_id,
        content=ArticleContent(
            title=text.title,
            subtitle=text.subtitle,
            body_html=text.body_html,
            source=text.source,
            author=text.author,
            tags=text.tags,
        ),
        editor_id=DEMO_EDITOR,
    )
    return article.id


def _plan(leaves: list[tuple[DemoSection, int]]) -> list[tuple[DemoSection, int, str]]:
    plan = []
    for round_ in range(ROUNDS):
        for node, section_id in leaves:
            if round_ < len(node.topics) or (node.slug != "notices" and node.topics):
                plan.append((node, section_id, node.topics[round_ % len(node.topics)]))
    return plan


async def load_demo(
    sessions: async_sessionmaker[AsyncSession], *, now: datetime | None = None
) -> DemoReport | None:
    """Create the demo content in one transaction; None if it is already there."""
    now = now or datetime.now(UTC)
    async with transaction(sessions) as session:
        if await session.scalar(select(sections.c.id).where(sections.c.slug == ROOTS[0].slug)):
            return None
        tree = [
            found
            for position, root in enumerate(ROOTS)
            for found in await _sections(session, root, None, position)
        ]
        leaves = [(node, sid) for node, sid in tree if node.topics]
        writer = ArticleWriter()
        plan = _plan(leaves)
        for index, (node, section_id, topic) in enumerate(plan):
            article_id = await _create(session, section_id, writer.write(node, topic))
            age = timedelta(hours=(len(plan) - index) * 9, minutes=(index * 37) % 60)
            await publish_article(session, article_id=article_id, at=now - age)
        node, section_id = leaves[0]
        scheduled = await _create(session, section_id, writer.write(node, node.topics[0]))
        tomorrow = (now + timedelta(days=1)).replace(hour=0, minute=30, second=0, microsecond=0)
        await schedule_article(session, article_id=scheduled, at=tomorrow, now=now)
        await _create(session, section_id, writer.write(node, node.topics[-1]))
    return DemoReport(sections=len(tree), published=len(plan), scheduled=1, drafts=1)
