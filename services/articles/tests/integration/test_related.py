"""Related articles: the closest first, with the tags and terms that made them related."""
# ruff: noqa: RUF001 - Chinese text is written with full-width punctuation

from __future__ import annotations

import httpx

from .conftest import ArticlesApi

EV = "<p>新能源汽车产业链加快布局，动力电池回收体系逐步完善，充电桩建设提速。</p>"
EV2 = "<p>动力电池技术突破带动新能源汽车续航提升，充电桩覆盖更多县城。</p>"
FOOD = "<p>夜市美食节吸引大批游客，小吃摊位排起长队。</p>"


async def test_most_similar_first_and_explained(
    api: ArticlesApi, articles_client: httpx.AsyncClient
) -> None:
    section = await api.section()
    other = await api.section()
    source = await api.published(
        section["id"], "新能源汽车产业链调研", body_html=EV, tags=["新能源汽车", "动力电池"]
    )
    closest = await api.published(
        other["id"], "动力电池技术新突破", body_html=EV2, tags=["新能源汽车", "动力电池"]
    )
    same_terms = await api.published(other["id"], "县城充电桩建设观察", body_html=EV2)
    neighbour = await api.published(section["id"], "夜市美食节开幕", body_html=FOOD)
    await api.published(other["id"], "夜市美食节开幕", body_html=FOOD)  # nothing in common
    r = await articles_client.get(f"/api/v1/articles/{source}/related", params={"limit": 10})
    items = r.json()["items"]
    ids = [i["id"] for i in items]
    assert ids[:3] == [closest, same_terms, neighbour]
    assert len(ids) == 3
    top = items[0]
    assert top["matched_tags"] == ["新能源汽车", "动力电池"]
    assert "充电" in top["matched_terms"]
    assert top["score"] > items[1]["score"] > items[2]["score"]
    assert items[2]["same_section"] is True
    assert items[2]["matched_tags"] == []
    again = await articles_client.get(f"/api/v1/articles/{source}/related", params={"limit": 10})
    assert again.json() == r.json()  # deterministic


async def test_related_of_a_draft_is_404(
    api: ArticlesApi, articles_client: httpx.AsyncClient
) -> None:
    section = await api.section()
    aid = await api.draft(section["id"])
    assert (await articles_client.get(f"/api/v1/articles/{aid}/related")).status_code == 404


async def test_a_change_through_the_service_shows_in_a_reused_list_at_once(
    api: ArticlesApi, articles_client: httpx.AsyncClient
) -> None:
    """Lists are reused for a few seconds, but never past a change this process made."""
    section = await api.section()
    other = await api.section()
    source = await api.published(section["id"], "动力电池回收", body_html=EV, tags=["动力电池"])
    url = f"/api/v1/articles/{source}/related?limit=20"

    async def related_ids() -> list[int]:
        return [i["id"] for i in (await articles_client.get(url)).json()["items"]]

    assert await related_ids() is not None  # the list is computed and kept
    newcomer = await api.published(other["id"], "电池新规", body_html=EV2, tags=["动力电池"])
    assert newcomer in await related_ids(), "a published article is related at once"
    await api.act(newcomer, "unpublish")
    assert newcomer not in await related_ids(), "an unpublished one is gone at once"
