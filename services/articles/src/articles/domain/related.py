"""Related articles: shared tags, shared characteristic terms, same section; explainable."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from cachetools import TTLCache
from sqlalchemy import Integer, String, cast, func, literal, select, union
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from articles.adapters import store
from articles.adapters.tables import articles
from articles.domain.reading import PUBLISHED, check_limit, visible_article
from articles.domain.records import Article

TAG_WEIGHT = 3
TERM_WEIGHT = 1
SECTION_WEIGHT = 1
CANDIDATES_PER_SIGNAL = 500  # newest matches per signal: bounded work at any size
FRESH_SECONDS = 10.0  # a related list is reused this long at most (see RecentRelated)
RECENT_ENTRIES = 4096


@dataclass(frozen=True, slots=True)
class RelatedArticle:
    """A related article, its score, and what it shares with the original."""

    article: Article
    score: int
    matched_tags: list[str]
    matched_terms: list[str]
    same_section: bool


def _overlap(column: Any, values: list[str]) -> Any:
    """How many of ``values`` the array column holds."""
    given = cast(literal(values), ARRAY(String))
    item = func.unnest(column).table_valued("v").render_derived()
    return (
        select(func.count()).select_from(item).where(item.c.v == func.any(given)).scalar_subquery()
    )


def _candidates(article: Article) -> Any:
    base = select(articles.c.id).where(PUBLISHED, articles.c.id != article.id)
    newest = (articles.c.published_at.desc(), articles.c.id.desc())
    signals = [base.where(articles.c.section_id == article.section_id).order_by(*newest).limit(20)]
    if article.content.tags:
        tags = cast(literal(list(article.content.tags)), ARRAY(String))
        signals.append(base.where(articles.c.tags.overlap(tags)).order_by(*newest))
    if article.keywords:
        terms = cast(literal(list(article.keywords)), ARRAY(String))
        signals.append(base.where(articles.c.keywords.overlap(terms)).order_by(*newest))
    limited = [s.limit(CANDIDATES_PER_SIGNAL).subquery().select() for s in signals]
    return union(*limited).subquery()


async def related_articles(
    session: AsyncSession, *, article_id: int, limit: int = 5
) -> list[RelatedArticle]:
    """The most similar published articles, best first (ties: newer first)."""
    check_limit(limit)
    article = visible_article(
        await store.get_article(session, article_id), article_id, editor=False
    )
    tags, terms = list(article.content.tags), list(article.keywords)
    score = (
        TAG_WEIGHT * _overlap(articles.c.tags, tags)
        + TERM_WEIGHT * _overlap(articles.c.keywords, terms)
        + SECTION_WEIGHT * cast(articles.c.section_id == article.section_id, Integer)
    ).label("score")
    candidates = _candidates(article)
    rows = (
        await session.execute(
            select(*store.LIST_COLUMNS, score)
            .where(articles.c.id.in_(select(candidates.c.id)))
            .order_by(score.desc(), articles.c.published_at.desc(), articles.c.id.desc())
            .limit(limit)
        )
    ).all()
    found = [_explained(Article.from_row(r), int(r.score), article) for r in rows]
    return [r for r in found if r.score > 0]


def _explained(other: Article, score: int, original: Article) -> RelatedArticle:
    return RelatedArticle(
        article=other,
        score=score,
        matched_tags=[t for t in original.content.tags if t in other.content.tags],
        matched_terms=[t for t in original.keywords if t in other.keywords],
        same_section=other.section_id == original.section_id,
    )


class RecentRelated:
    """Related lists computed in the last :data:`FRESH_SECONDS`, by article and limit.

    Scoring related articles is the costliest read the service has, and a list barely
    changes from one reader to the next. A list is reused while it is younger than
    ``fresh_seconds`` and this process has recorded no article or section event since it
    was computed (``store.changes_written``): a change made through this process shows
    at once, one made through another copy within ``fresh_seconds``.
    """

    def __init__(
        self,
        *,
        fresh_seconds: float = FRESH_SECONDS,
        max_entries: int = RECENT_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lists: TTLCache[tuple[int, int], tuple[int, list[RelatedArticle]]] = TTLCache(
            max_entries, fresh_seconds, timer=clock
        )

    async def get(
        self,
        article_id: int,
        limit: int,
        compute: Callable[[], Awaitable[list[RelatedArticle]]],
    ) -> list[RelatedArticle]:
        """The recent list for (article, limit), else ``compute()``'s, kept for next time."""
        key, generation = (article_id, limit), store.changes_written()
        kept = self._lists.get(key)
        if kept is not None and kept[0] == generation:
            return kept[1]
        found = await compute()
        self._lists[key] = (generation, found)  # the count read before computing
        return found
