"""Reading: neighbours at section edges, stable pagination, drafts never visible."""

from __future__ import annotations

import httpx

from common.gateway_trust import GATEWAY_SECRET_HEADER
from common.settings import DEV_GATEWAY_SECRET

from .conftest import ArticlesApi


async def _ids(c: httpx.AsyncClient, url: str, limit: int) -> list[int]:
    seen: list[int] = []
    cursor: str | None = None
    while True:
        params: dict[str, str | int] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        page = (await c.get(url, params=params)).json()
        seen += [a["id"] for a in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return seen


async def test_previous_and_next_within_the_section(
    api: ArticlesApi, articles_client: httpx.AsyncClient
) -> None:
    section = await api.section()
    elsewhere = await api.section()
    first = await api.published(section["id"], "第一篇")
    await api.published(elsewhere["id"], "别的栏目")
    middle = await api.published(section["id"], "第二篇")
    hidden = await api.draft(section["id"], "草稿不算")
    last = await api.published(section["id"], "第三篇")
    views = {
        a: (await articles_client.get(f"/api/v1/articles/{a}")).json()
        for a in (first, middle, last)
    }
    assert views[first]["previous"] is None  # oldest: nothing before it
    assert views[first]["next"]["id"] == middle
    assert views[middle]["previous"]["id"] == first
    assert views[middle]["next"]["id"] == last  # the draft is skipped
    assert views[last]["next"] is None  # newest: nothing after it
    assert views[last]["previous"]["id"] == middle
    assert hidden not in {v["next"] and v["next"]["id"] for v in views.values()}


async def test_cursor_pages_are_stable_while_others_publish(
    api: ArticlesApi, articles_client: httpx.AsyncClient
) -> None:
    section = await api.section()
    url = f"/api/v1/sections/{section['id']}/articles"
    original = [await api.published(section["id"], f"第{i}篇") for i in range(17)]
    seen: list[int] = []
    cursor: str | None = None
    while True:
        params: dict[str, str | int] = {"limit": 5} | ({"cursor": cursor} if cursor else {})
        page = (await articles_client.get(url, params=params)).json()
        seen += [a["id"] for a in page["items"]]
        await api.published(section["id"], "翻页时新发布")  # lands before the cursor
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == original[::-1]  # newest first, none repeated, none skipped


async def test_numbered_pages_report_total(
    api: ArticlesApi, articles_client: httpx.AsyncClient
) -> None:
    section = await api.section()
    ids = [await api.published(section["id"], f"页码{i}") for i in range(5)]
    url = f"/api/v1/sections/{section['id']}/articles"
    page2 = (await articles_client.get(url, params={"page": 2, "limit": 2})).json()
    assert page2["total"] == 5
    assert page2["page"] == 2
    assert [a["id"] for a in page2["items"]] == [ids[2], ids[1]]


async def test_subsections_are_listed_under_their_parent(
    api: ArticlesApi, articles_client: httpx.AsyncClient
) -> None:
    parent = await api.section("新闻中心")
    child = await api.section("国内新闻", parent_id=parent["id"])
    in_child = await api.published(child["id"], "子栏目文章")
    in_parent = await api.published(parent["id"], "父栏目文章")
    url = f"/api/v1/sections/{parent['id']}/articles"
    assert await _ids(articles_client, url, 10) == [in_parent, in_child]
    only = (await articles_client.get(url, params={"subsections": "false"})).json()
    assert [a["id"] for a in only["items"]] == [in_parent]
    view = (await articles_client.get(f"/api/v1/articles/{in_child}")).json()
    assert [b["name"] for b in view["breadcrumbs"]] == ["新闻中心", "国内新闻"]


async def test_drafts_and_scheduled_never_visible_to_readers(
    api: ArticlesApi, articles_client: httpx.AsyncClient, reader_headers: dict[str, str]
) -> None:
    c = articles_client
    section = await api.section()
    visible = await api.published(section["id"], "机密草稿旁边的公开文章", tags=["机密"])
    draft = await api.draft(section["id"], "机密草稿文章", tags=["机密"])
    slug = (await c.get(f"/api/v1/editor/articles/{draft}", headers=api.editor)).json()["slug"]
    for headers in ({}, reader_headers, api.editor):  # even editors read drafts only as editors
        assert (await c.get(f"/api/v1/articles/{draft}", headers=headers)).status_code == 404
        r = await c.get(f"/api/v1/articles/by-slug/{slug}", headers=headers)
        assert r.status_code == 404
    lists = [
        "/api/v1/articles?limit=100",
        f"/api/v1/sections/{section['id']}/articles",
        f"/api/v1/search?q=机密草稿&section={section['id']}",
        f"/api/v1/articles/{visible}/related",
    ]
    for url in lists:
        ids = [a["id"] for a in (await c.get(url)).json()["items"]]
        assert draft not in ids, url
    for url in (
        "/api/v1/rss.xml",
        f"/api/v1/sections/{section['id']}/rss.xml",
        "/api/v1/sitemap.xml",
    ):
        assert f"/articles/{draft}<" not in (await c.get(url)).text
    assert (
        await c.post(
            f"/api/v1/articles/{draft}/recommend",
            headers={"X-Client-Id": "x", GATEWAY_SECRET_HEADER: DEV_GATEWAY_SECRET},
        )
    ).status_code == 404
    editors = (
        await c.get(
            "/api/v1/editor/articles", params={"status": "draft", "limit": 100}, headers=api.editor
        )
    ).json()
    assert draft in [a["id"] for a in editors["items"]]


async def test_archived_is_readable_by_link_but_not_listed(
    api: ArticlesApi, articles_client: httpx.AsyncClient
) -> None:
    section = await api.section()
    aid = await api.published(section["id"], "归档文章")
    assert (await api.act(aid, "archive")).status_code == 200
    assert (await articles_client.get(f"/api/v1/articles/{aid}")).json()["status"] == "archived"
    page = (await articles_client.get(f"/api/v1/sections/{section['id']}/articles")).json()
    assert page["items"] == []


async def test_old_slug_still_resolves(
    api: ArticlesApi, articles_client: httpx.AsyncClient
) -> None:
    section = await api.section()
    aid = await api.published(section["id"], "Hello World 新闻")
    view = (await articles_client.get(f"/api/v1/articles/by-slug/old-title-{aid}")).json()
    assert view["id"] == aid
    assert view["slug"] == f"hello-world-xin-wen-{aid}"
    assert (await articles_client.get("/api/v1/articles/by-slug/no-such-thing")).status_code == 404


async def test_editors_list_pages_and_filters_by_section(
    api: ArticlesApi, articles_client: httpx.AsyncClient
) -> None:
    c = articles_client
    parent = await api.section("编辑列表")
    child = await api.section("编辑列表子栏目", parent_id=parent["id"])
    other = await api.section("其他栏目")
    in_parent = [await api.draft(parent["id"], f"父栏目稿件{i}") for i in range(3)]
    in_child = [await api.published(child["id"], f"子栏目稿件{i}") for i in range(2)]
    await api.draft(other["id"], "别处的稿件")

    async def listing(**params: object) -> dict[str, object]:
        r = await c.get("/api/v1/editor/articles", params=params, headers=api.editor)
        assert r.status_code == 200, r.text
        return dict(r.json())

    newest_first = [*reversed(in_child), *reversed(in_parent)]
    first = await listing(section=parent["id"], page=1, limit=2)
    second = await listing(section=parent["id"], page=2, limit=2)
    third = await listing(section=parent["id"], page=3, limit=2)
    assert (first["total"], first["page"], second["page"]) == (5, 1, 2)
    pages = [first["items"], second["items"], third["items"]]
    assert [a["id"] for items in pages for a in items] == newest_first  # type: ignore[attr-defined]
    own = await listing(section=parent["id"], subsections="false")
    assert [a["id"] for a in own["items"]] == list(reversed(in_parent))  # type: ignore[attr-defined]
    published = await listing(section=parent["id"], status="published")
    assert [a["id"] for a in published["items"]] == list(reversed(in_child))  # type: ignore[attr-defined]
    beyond = await listing(section=parent["id"], page=4, limit=2)
    assert (beyond["items"], beyond["total"]) == ([], 5)
    plain = await listing(section=parent["id"])
    assert (plain["page"], plain["total"]) == (None, None)
    for params, status in (
        ({"page": 0}, 422),
        ({"page": 1001}, 422),
        ({"page": "x"}, 422),
        ({"section": 0}, 422),
        ({"section": 2_147_483_648}, 422),
        ({"section": 2_147_483_000}, 404),
        ({"status": "deleted-ish"}, 422),
    ):
        r = await c.get("/api/v1/editor/articles", params=params, headers=api.editor)
        assert r.status_code == status, (params, r.text)
