"""Full-text search over published articles, ranked, with highlighted snippets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import product
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    Float,
    Integer,
    Text,
    any_,
    bindparam,
    cast,
    func,
    literal,
    select,
    tuple_,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSQUERY
from sqlalchemy.ext.asyncio import AsyncConnection

from articles.adapters import store
from articles.adapters.tables import articles
from articles.domain.cursor import Cursor, rank_cursor
from articles.domain.reading import PUBLISHED, check_limit
from articles.domain.records import Article
from articles.domain.search_text import SearchQuery, highlight, parse_query, snippet
from common.db import Query
from common.errors import InvalidInputError
from common.ranges import check_moment

RANK_NORMALISATION = 1  # divide by 1 + log(document length): long bodies do not win by size
RANK_WINDOW = 1000  # the newest matches ranked: bounded work however common the words are


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One found article with why and where it matched."""

    article: Article
    rank: float
    title_html: str
    snippet_html: str
    matched_terms: list[str]


@dataclass(frozen=True, slots=True)
class SearchResult:
    """One page of hits."""

    query: SearchQuery
    hits: list[SearchHit]
    next_cursor: str | None


def parse_bound(value: str | None, *, name: str, end: bool) -> datetime | None:
    """A date (whole day; ``to`` includes it) or an ISO datetime (UTC unless it says)."""
    if not value:
        return None
    try:
        if len(value) == 10:
            at = datetime.combine(date.fromisoformat(value), time(), tzinfo=UTC)
        else:
            at = datetime.fromisoformat(value)
            at = at if at.tzinfo else at.replace(tzinfo=UTC)
    except ValueError:
        raise InvalidInputError(f"{name}: not an ISO date or datetime: {value[:40]!r}") from None
    try:
        check_moment(at, name=name)
    except ValueError as exc:
        raise InvalidInputError(str(exc)) from None
    # inside the sane span adding a day can never overflow
    return at + timedelta(days=1) if end and len(value) == 10 else at


def _hit(row: object, query: SearchQuery) -> SearchHit:
    article = Article.from_row(row)
    haystack = f"{article.content.title}\n{article.content.summary}\n{article.body_text}".lower()
    matched = [t for t in query.terms if t in haystack]
    body = article.body_text or article.content.summary
    return SearchHit(
        article=article,
        rank=float(row.rank),  # type: ignore[attr-defined] # the ranked column of the row
        title_html=highlight(article.content.title, query.terms),
        snippet_html=snippet(body, query.terms),
        matched_terms=matched,
    )


def _newest_matches(tsquery: Any, *, in_sections: bool, since: bool, until: bool) -> Any:
    """The newest RANK_WINDOW published matches (the set that gets ranked)."""
    matches = select(articles.c.id, articles.c.search_vector).where(
        PUBLISHED, articles.c.search_vector.op("@@")(tsquery)
    )
    if in_sections:
        ids = bindparam("section_ids", type_=ARRAY(BigInteger))
        matches = matches.where(articles.c.section_id == any_(ids))
    if since:
        matches = matches.where(articles.c.published_at >= bindparam("date_from", type_=_MOMENT))
    if until:
        matches = matches.where(articles.c.published_at < bindparam("date_to", type_=_MOMENT))
    newest = (articles.c.published_at.desc(), articles.c.id.desc())
    return matches.order_by(*newest).limit(RANK_WINDOW)


_MOMENT = DateTime(timezone=True)
# what a hit needs: no body_html (a hit shows the summary's fields and a text snippet)
_HIT_COLUMNS = [c for c in store.FULL_COLUMNS if c.name != "body_html"] + [
    literal("").label("body_html")
]


def _search(*, in_sections: bool, since: bool, until: bool, after_cursor: bool) -> Query:
    tsquery = cast(bindparam("tsquery", type_=Text), TSQUERY)
    newest = _newest_matches(tsquery, in_sections=in_sections, since=since, until=until)
    matches = newest.subquery()
    rank = cast(func.ts_rank_cd(matches.c.search_vector, tsquery, RANK_NORMALISATION), Float)
    inner = select(matches.c.id, rank.label("rank")).subquery()
    page = select(inner.c.id, inner.c.rank)
    if after_cursor:
        after = (bindparam("after_rank", type_=Float), bindparam("after_id", type_=BigInteger))
        page = page.where(tuple_(inner.c.rank, inner.c.id) < tuple_(*after))
    limit = bindparam("limit", type_=Integer)
    top = page.order_by(inner.c.rank.desc(), inner.c.id.desc()).limit(limit).subquery()
    return Query(
        select(*_HIT_COLUMNS, top.c.rank)
        .join(top, top.c.id == articles.c.id)
        .order_by(top.c.rank.desc(), articles.c.id.desc())
    )


# every filter combination compiled once (16), the query words bound
_SHAPE = ("in_sections", "since", "until", "after_cursor")
SEARCHES = {
    shape: _search(**dict(zip(_SHAPE, shape, strict=True)))
    for shape in product((False, True), repeat=4)
}


async def search_articles(
    conn: AsyncConnection,
    *,
    q: str,
    section_ids: list[int] | None = None,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
    cursor: str | None = None,
    limit: int = 20,
) -> SearchResult:
    """Published articles matching every query word, best first (ties: higher id first)."""
    check_limit(limit)
    query = parse_query(q)
    after = rank_cursor(cursor)
    shape = (section_ids is not None, date_from is not None, date_to is not None, after is not None)
    params: dict[str, Any] = {
        "tsquery": query.tsquery,
        "section_ids": section_ids,
        "date_from": date_from,
        "date_to": date_to,
        "limit": limit + 1,
    }
    if after is not None:
        params |= {"after_rank": after.value, "after_id": after.id}
    rows = await SEARCHES[shape].rows(conn, params)
    hits = [_hit(r, query) for r in rows[:limit]]
    more = len(rows) > limit
    next_cursor = Cursor(hits[-1].rank, hits[-1].article.id).encode() if more else None
    return SearchResult(query=query, hits=hits, next_cursor=next_cursor)
