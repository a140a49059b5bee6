"""RSS 2.0 feeds and the sitemap parse with standard parsers and list published content."""
# ruff: noqa: RUF001 - Chinese text is written with full-width punctuation

from __future__ import annotations

import feedparser
import httpx
from lxml import etree

from .conftest import ArticlesApi

SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


async def test_section_and_overall_rss(
    api: ArticlesApi, articles_client: httpx.AsyncClient
) -> None:
    section = await api.section("科技频道")
    child = await api.section("人工智能", parent_id=section["id"])
    aid = await api.published(
        child["id"], "大模型 & 产业 <应用> 观察", summary="摘要：AI 走进工厂", tags=["大模型"]
    )
    for url in (f"/api/v1/sections/{section['id']}/rss.xml", "/api/v1/rss.xml"):
        r = await articles_client.get(url)
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/rss+xml")
        feed = feedparser.parse(r.content)
        assert not feed.bozo, feed.get("bozo_exception")
        assert feed.version == "rss20"
        entry = next(e for e in feed.entries if e.link.endswith(f"/articles/{aid}"))
        assert entry.title == "大模型 & 产业 <应用> 观察"
        assert entry.summary == "摘要：AI 走进工厂"
        assert entry.published_parsed is not None
        assert {t.term for t in entry.tags} >= {"人工智能", "大模型"}
    section_feed = feedparser.parse(
        (await articles_client.get(f"/api/v1/sections/{section['id']}/rss.xml")).content
    )
    assert section_feed.feed.title == "科技频道"
    assert (await articles_client.get("/api/v1/sections/999999/rss.xml")).status_code == 404


async def test_sitemap_is_valid_xml_with_published_articles(
    api: ArticlesApi, articles_client: httpx.AsyncClient
) -> None:
    section = await api.section()
    aid = await api.published(section["id"], "站点地图")
    draft = await api.draft(section["id"], "不进站点地图")
    r = await articles_client.get("/api/v1/sitemap.xml")
    assert r.status_code == 200
    root = etree.fromstring(r.content, parser=etree.XMLParser(resolve_entities=False))
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
    locs = root.xpath("//s:url/s:loc/text()", namespaces=SITEMAP_NS)
    assert any(loc.endswith(f"/articles/{aid}") for loc in locs)
    assert any(loc.endswith(f"/sections/{section['id']}") for loc in locs)
    assert not any(loc.endswith(f"/articles/{draft}") for loc in locs)
    lastmods = root.xpath("//s:url/s:lastmod/text()", namespaces=SITEMAP_NS)
    assert all("T" in m and m.endswith("+00:00") for m in lastmods)
