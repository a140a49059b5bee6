"""An article with what its page shows around it, in one statement (one round trip).

The article row, its section's path up to the root (breadcrumbs and inherited comment
settings need nothing else of the tree) and its previous/next published neighbours in
the section: the hot read path, so plain SQL rather than four ORM queries in a
transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from articles.adapters.store import FULL_COLUMNS
from articles.domain.records import Article, Neighbour
from articles.domain.sections import Section
from common.db import Query

_COLUMNS = ", ".join(c.name for c in FULL_COLUMNS)
_SECTION_FIELDS = (
    "id",
    "parent_id",
    "slug",
    "name",
    "position",
    "description",
    "comment_policy",
    "comments_open",
    "comment_max_length",
)
_NEIGHBOUR = """
    LEFT JOIN LATERAL (
        SELECT n.id, n.slug, n.title, n.published_at FROM articles n
        WHERE a.status = 'published' AND n.status = 'published'
          AND n.section_id = a.section_id AND (n.published_at, n.id) {cmp} (a.published_at, a.id)
        ORDER BY n.published_at {order}, n.id {order} LIMIT 1
    ) {name} ON true"""
# the path walk stops after 64 levels: a cycle could not loop forever
ARTICLE_PAGE = Query(
    text(
        f"""
    WITH RECURSIVE a AS (SELECT {_COLUMNS} FROM articles WHERE id = :id),
    up AS (
        SELECT s.*, 0 AS depth FROM sections s JOIN a ON s.id = a.section_id
        UNION ALL
        SELECT s.*, up.depth + 1 FROM sections s JOIN up ON s.id = up.parent_id
        WHERE up.depth < 64
    )
    SELECT a.*,
        (SELECT json_agg(json_build_object({", ".join(f"'{f}', {f}" for f in _SECTION_FIELDS)}))
         FROM up) AS path,
        prev.id AS prev_id, prev.slug AS prev_slug, prev.title AS prev_title,
        prev.published_at AS prev_published_at,
        next.id AS next_id, next.slug AS next_slug, next.title AS next_title,
        next.published_at AS next_published_at
    FROM a {_NEIGHBOUR.format(cmp="<", order="DESC", name="prev")}
    {_NEIGHBOUR.format(cmp=">", order="ASC", name="next")}
    """  # noqa: S608 - column names from the table definition, values bound
    )
)


@dataclass(frozen=True, slots=True)
class ArticlePageRow:
    """The article, the sections on its section's path (any order) and its neighbours."""

    article: Article
    path: list[Section]
    previous: Neighbour | None
    next: Neighbour | None


def _neighbour(m: Any, prefix: str) -> Neighbour | None:
    if m[f"{prefix}_id"] is None:
        return None
    return Neighbour(
        m[f"{prefix}_id"], m[f"{prefix}_slug"], m[f"{prefix}_title"], m[f"{prefix}_published_at"]
    )


async def article_page(conn: AsyncConnection, article_id: int) -> ArticlePageRow | None:
    """One article in any status with its path and neighbours, or None (on a
    :func:`common.db.reading` connection: the statement runs on the driver)."""
    row = await ARTICLE_PAGE.first(conn, {"id": article_id})
    if row is None:
        return None
    path = [Section(**s) for s in row.path or ()]  # json, decoded by the driver's codec
    return ArticlePageRow(
        article=Article.from_row(row),
        path=path,
        previous=_neighbour(row, "prev"),
        next=_neighbour(row, "next"),
    )
