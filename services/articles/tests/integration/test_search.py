"""Search quality on Chinese and English text, filters, highlighting and freshness."""
# ruff: noqa: RUF001 - Chinese text is written with full-width punctuation

from __future__ import annotations

import httpx

from .conftest import ArticlesApi, soon

ABOUT = (
    "<p>建设学习型组织是提升机关效能的重要抓手。学习型组织强调全员学习、团队学习和持续改进，"
    "各部门要把学习型组织建设纳入年度计划。</p><p>专家认为，学习型组织的核心在于把组织经验转化为制度。</p>"
)
MENTION = "<p>周末图书馆举办亲子阅读活动，孩子们在学习之余参观了组织者准备的展览。</p>"
UNRELATED = "<p>气象台发布寒潮蓝色预警，提醒市民注意保暖。</p>"


async def _search(
    c: httpx.AsyncClient, q: str, section: object, **params: str
) -> dict[str, object]:
    r = await c.get("/api/v1/search", params={"q": q, "section": str(section), **params})
    assert r.status_code == 200, r.text
    return dict(r.json())


def _ids(result: dict[str, object]) -> list[int]:
    return [item["id"] for item in result["items"]]  # type: ignore[attr-defined,index]


async def test_phrase_ranks_the_article_about_it_first(
    api: ArticlesApi, articles_client: httpx.AsyncClient
) -> None:
    section = await api.section()
    mention = await api.published(section["id"], "亲子阅读活动走进图书馆", body_html=MENTION)
    about = await api.published(section["id"], "机关推进学习型组织建设", body_html=ABOUT)
    await api.published(section["id"], "寒潮来袭", body_html=UNRELATED)
    result = await _search(articles_client, "学习型组织", section["id"])
    assert _ids(result)[0] == about
    if mention in _ids(result):
        items = result["items"]
        assert items[0]["rank"] > items[1]["rank"]  # type: ignore[index]
    assert "学习型组织" in result["items"][0]["matched_terms"]  # type: ignore[index]
    learning = await _search(articles_client, "学习", section["id"])
    assert set(_ids(learning)) == {about, mention}  # both mention 学习
    assert _ids(learning)[0] == about  # title match and density win


async def test_two_character_word_inside_a_longer_phrase_is_found(
    api: ArticlesApi, articles_client: httpx.AsyncClient
) -> None:
    section = await api.section()
    aid = await api.published(
        section["id"],
        "庆祝中华人民共和国成立纪念活动",
        body_html="<p>各地推进数字化转型，生命科学研究取得新进展。</p>",
    )
    for word in ("人民", "共和国", "数字", "转型", "科学"):
        assert _ids(await _search(articles_client, word, section["id"])) == [aid], word


async def test_english_words_match_case_and_plural_insensitively(
    api: ArticlesApi, articles_client: httpx.AsyncClient
) -> None:
    section = await api.section()
    aid = await api.published(
        section["id"],
        "Open Source Databases",
        body_html="<p>PostgreSQL ranks documents with cover density.</p>",
    )
    assert _ids(await _search(articles_client, "database", section["id"])) == [aid]
    assert _ids(await _search(articles_client, "POSTGRESQL document", section["id"])) == [aid]
    assert _ids(await _search(articles_client, "postgresql kafka", section["id"])) == []


async def test_snippets_highlight_terms_and_escape_html(
    api: ArticlesApi, articles_client: httpx.AsyncClient
) -> None:
    section = await api.section()
    await api.published(
        section["id"],
        "乡村振兴 <b>不是标签</b>",
        body_html="<p>讨论 &lt;script&gt;alert(1)&lt;/script&gt; 之后，"
        "乡村振兴示范村建设全面铺开。</p>",
    )
    hit = (await _search(articles_client, "乡村振兴", section["id"]))["items"][0]  # type: ignore[index]
    assert hit["title_html"] == "<mark>乡村振兴</mark> &lt;b&gt;不是标签&lt;/b&gt;"
    assert "<mark>乡村振兴</mark>" in hit["snippet_html"]
    assert "<script>" not in hit["snippet_html"]
    assert "&lt;/script&gt;" in hit["snippet_html"]


async def test_filters_by_section_subtree_and_date(
    api: ArticlesApi, articles_client: httpx.AsyncClient
) -> None:
    parent = await api.section()
    child = await api.section(parent_id=parent["id"])
    other = await api.section()
    in_child = await api.published(child["id"], "城市更新试点")
    await api.published(other["id"], "城市更新试点")
    assert _ids(await _search(articles_client, "城市更新", parent["id"])) == [in_child]
    today = soon()[:10]
    assert _ids(await _search(articles_client, "城市更新", parent["id"], to=today)) == [in_child]
    later = soon(days=2)[:10]
    assert _ids(await _search(articles_client, "城市更新", parent["id"], **{"from": later})) == []


async def test_results_follow_publish_and_unpublish_at_once(
    api: ArticlesApi, articles_client: httpx.AsyncClient
) -> None:
    section = await api.section()
    aid = await api.draft(section["id"], "低空经济发展论坛")
    assert _ids(await _search(articles_client, "低空经济", section["id"])) == []
    await api.act(aid, "publish")
    assert _ids(await _search(articles_client, "低空经济", section["id"])) == [aid]
    await api.act(aid, "unpublish")
    assert _ids(await _search(articles_client, "低空经济", section["id"])) == []


async def test_search_pages_with_a_cursor(
    api: ArticlesApi, articles_client: httpx.AsyncClient
) -> None:
    section = await api.section()
    ids = {await api.published(section["id"], f"志愿服务 第{i}期") for i in range(7)}
    seen: list[int] = []
    cursor = ""
    while True:
        params = {"limit": "3"} | ({"cursor": cursor} if cursor else {})
        page = await _search(articles_client, "志愿服务", section["id"], **params)
        seen += _ids(page)
        if page["next_cursor"] is None:
            break
        cursor = str(page["next_cursor"])
    assert sorted(seen) == sorted(ids)


async def test_traditional_characters_find_simplified_text(
    api: ArticlesApi, articles_client: httpx.AsyncClient
) -> None:
    section = await api.section()
    aid = await api.published(section["id"], "社区养老服务中心开业")
    assert _ids(await _search(articles_client, "養老服務", section["id"])) == [aid]
