"""Search, related articles and feeds."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from articles.api.deps import DatabaseDep, RecentRelatedDep, SettingsDep
from articles.api.mapping import summary_body
from articles.api.schemas import ArticleSummary
from articles.domain import feeds, related, search
from articles.domain.section_admin import section_tree
from common.ranges import ArticleId, SectionId

router = APIRouter(prefix="/api/v1", tags=["discovery"])
RSS = "application/rss+xml; charset=utf-8"
XML = "application/xml; charset=utf-8"


class SearchHitOut(ArticleSummary):
    """A found article with highlighted title and snippet (escaped HTML with ``<mark>``)."""

    rank: float
    title_html: str
    snippet_html: str
    matched_terms: list[str]


class QueryOut(BaseModel):
    """How the query was understood."""

    q: str
    words: list[str]
    terms: list[str]


class SearchPage(BaseModel):
    """A page of search hits."""

    items: list[SearchHitOut]
    next_cursor: str | None
    query: QueryOut


class RelatedOut(ArticleSummary):
    """A related article and what it shares with the one being read."""

    score: int
    matched_tags: list[str]
    matched_terms: list[str]
    same_section: bool


class RelatedList(BaseModel):
    """Related articles, best first."""

    items: list[RelatedOut]


@router.get("/search")
async def search_articles(
    db: DatabaseDep,
    q: Annotated[str, Query(max_length=100)],
    section: SectionId | None = None,
    from_: Annotated[str | None, Query(alias="from", max_length=40)] = None,
    to: Annotated[str | None, Query(max_length=40)] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> SearchPage:
    """Published articles matching every word of ``q``, best first."""
    async with db.reading() as conn:  # the tree and the search need no common snapshot
        ids = None
        if section is not None:
            tree = await section_tree(conn)
            tree.get(section)
            ids = tree.subtree_ids(section)
        result = await search.search_articles(
            conn,
            q=q,
            section_ids=ids,
            date_from=search.parse_bound(from_, name="from", end=False),
            date_to=search.parse_bound(to, name="to", end=True),
            cursor=cursor,
            limit=limit,
        )
    query = QueryOut(q=q, words=list(result.query.words), terms=list(result.query.terms))
    items = [_hit_out(h) for h in result.hits]
    return SearchPage(items=items, next_cursor=result.next_cursor, query=query)


def _hit_out(hit: search.SearchHit) -> SearchHitOut:
    return SearchHitOut(
        **summary_body(hit.article),
        rank=hit.rank,
        title_html=hit.title_html,
        snippet_html=hit.snippet_html,
        matched_terms=hit.matched_terms,
    )


@router.get("/articles/{article_id}/related")
async def related_articles(
    article_id: ArticleId,
    db: DatabaseDep,
    recent: RecentRelatedDep,
    limit: Annotated[int, Query(ge=1, le=20)] = 5,
) -> RelatedList:
    """The most similar published articles, with the tags and terms they share.

    A list is reused for up to ``related.FRESH_SECONDS`` (see ``RecentRelated``).
    """

    async def compute() -> list[related.RelatedArticle]:
        async with db.transaction() as session:
            return await related.related_articles(session, article_id=article_id, limit=limit)

    found = await recent.get(article_id, limit, compute)
    return RelatedList(
        items=[
            RelatedOut(
                **summary_body(r.article),
                score=r.score,
                matched_tags=r.matched_tags,
                matched_terms=r.matched_terms,
                same_section=r.same_section,
            )
            for r in found
        ]
    )


@router.get("/rss.xml", response_class=Response)
async def rss_all(db: DatabaseDep, settings: SettingsDep) -> Response:
    """RSS 2.0: the newest articles of every section."""
    return await _rss(db, settings, None)


@router.get("/sections/{section_id}/rss.xml", response_class=Response)
async def rss_section(section_id: SectionId, db: DatabaseDep, settings: SettingsDep) -> Response:
    """RSS 2.0: the newest articles of a section and its subsections."""
    return await _rss(db, settings, section_id)


async def _rss(db: DatabaseDep, settings: SettingsDep, section_id: int | None) -> Response:
    async with db.reading() as conn:
        tree = await section_tree(conn)
        if section_id is not None:
            tree.get(section_id)
        body = await feeds.rss_feed(
            conn,
            tree=tree,
            base_url=settings.public_base_url,
            section_id=section_id,
            size=settings.feed_size,
        )
    return Response(body, media_type=RSS)


@router.get("/sitemap.xml", response_class=Response)
async def sitemap(db: DatabaseDep, settings: SettingsDep) -> Response:
    """sitemaps.org urlset of home, sections and published articles."""
    async with db.transaction() as session:
        tree = await section_tree(session)
        body = await feeds.sitemap(session, tree=tree, base_url=settings.public_base_url)
    return Response(body, media_type=XML)
