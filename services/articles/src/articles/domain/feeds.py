"""RSS 2.0 feeds and the XML sitemap."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from email.utils import format_datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from articles.adapters.tables import articles
from articles.domain.reading import PUBLISHED, list_published
from articles.domain.records import Article
from articles.domain.sections import SectionTree

ATOM = "http://www.w3.org/2005/Atom"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
SITEMAP_MAX_ARTICLES = 45_000  # one sitemap file holds at most 50,000 URLs
ET.register_namespace("atom", ATOM)


def _sub(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    element.text = text
    return element


def _rfc822(at: datetime) -> str:
    return format_datetime(at.astimezone(UTC), usegmt=True)


def _item(channel: ET.Element, article: Article, *, base: str, tree: SectionTree) -> None:
    link = f"{base}/articles/{article.id}"
    item = ET.SubElement(channel, "item")
    _sub(item, "title", article.content.title)
    _sub(item, "link", link)
    _sub(item, "guid", link, isPermaLink="true")
    _sub(item, "description", article.content.summary)
    if article.published_at is not None:
        _sub(item, "pubDate", _rfc822(article.published_at))
    _sub(item, "category", tree.get(article.section_id).name)
    for tag in article.content.tags:
        _sub(item, "category", tag)


async def rss_feed(
    conn: AsyncConnection,
    *,
    tree: SectionTree,
    base_url: str,
    section_id: int | None,
    size: int,
) -> bytes:
    """The newest published articles (of a section and its subsections, or of all)."""
    base = base_url.rstrip("/")
    ids = tree.subtree_ids(section_id) if section_id is not None else None
    page = await list_published(conn, section_ids=ids, limit=size)
    if section_id is None:
        title, link, self_path = "新闻门户 最新文章", f"{base}/", "/api/v1/rss.xml"
    else:
        names = " > ".join(s.name for s in tree.path(section_id))
        title, link = names, f"{base}/sections/{section_id}"
        self_path = f"/api/v1/sections/{section_id}/rss.xml"
    rss = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(rss, "channel")
    _sub(channel, "title", title)
    _sub(channel, "link", link)
    _sub(channel, "description", f"{title} — 最新发布的文章")
    _sub(channel, "language", "zh-cn")
    _sub(channel, "lastBuildDate", _rfc822(datetime.now(UTC)))
    ET.SubElement(
        channel,
        f"{{{ATOM}}}link",
        {"href": f"{base}{self_path}", "rel": "self", "type": "application/rss+xml"},
    )
    for article in page.items:
        _item(channel, article, base=base, tree=tree)
    return bytes(ET.tostring(rss, encoding="utf-8", xml_declaration=True))


async def sitemap(session: AsyncSession, *, tree: SectionTree, base_url: str) -> bytes:
    """Home, every section and the newest published articles, with last-modified times."""
    base = base_url.rstrip("/")
    urlset = ET.Element("urlset", {"xmlns": SITEMAP})

    def add(loc: str, lastmod: datetime | None = None) -> None:
        url = ET.SubElement(urlset, "url")
        _sub(url, "loc", loc)
        if lastmod is not None:
            _sub(url, "lastmod", lastmod.astimezone(UTC).isoformat(timespec="seconds"))

    add(f"{base}/")
    for section_id in sorted(tree.by_id):
        add(f"{base}/sections/{section_id}")
    rows = await session.execute(
        select(articles.c.id, articles.c.updated_at)
        .where(PUBLISHED)
        .order_by(articles.c.published_at.desc(), articles.c.id.desc())
        .limit(SITEMAP_MAX_ARTICLES)
    )
    for row in rows:
        add(f"{base}/articles/{row.id}", row.updated_at)
    return bytes(ET.tostring(urlset, encoding="utf-8", xml_declaration=True))
