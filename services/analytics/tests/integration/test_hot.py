"""Hot lists: time decay, signal weights, sections, and articles that leave the listing."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import httpx
from analytics_testing import LiveEnv, eventually, new_article_id, new_section_id, published, view

from common.events.articles import (
    ArticleArchived,
    ArticleFavourited,
    ArticleRecommended,
    ArticleUnpublished,
)
from common.events.comments import CommentApproved


async def hot(client: httpx.AsyncClient, window: str, section: int | None = None) -> list[int]:
    params: dict[str, str | int] = {"window": window, "limit": 100}
    if section is not None:
        params["section"] = section
    response = await client.get("/api/v1/hot", params=params)
    assert response.status_code == 200
    return [item["article_id"] for item in response.json()["items"]]


async def test_fresh_reads_outrank_more_but_older_reads(
    analytics_live: LiveEnv, analytics_client: httpx.AsyncClient
) -> None:
    section = new_section_id()
    older, fresh = new_article_id(), new_article_id()
    long_ago = datetime.now(UTC) - timedelta(hours=20)
    await analytics_live.publish_event(published(older, [section]))
    await analytics_live.publish_event(published(fresh, [section]))
    await analytics_live.publish_views(
        [view(older, f"o{i}", at=long_ago) for i in range(60)]
        + [view(fresh, f"f{i}") for i in range(15)]
    )

    async def ranked() -> None:
        day = await hot(analytics_client, "24h", section)
        assert day == [fresh, older]  # 60*e^(-20h/6h) ~ 2.1 < 15
        week = await hot(analytics_client, "7d", section)
        assert week == [older, fresh]  # slower decay: 60*e^(-20h/48h) ~ 39.5 > 15
        assert await hot(analytics_client, "1h", section) == [fresh]  # older is outside 1h

    await eventually(ranked)
    explained = (
        await analytics_client.get(f"/api/v1/hot/{older}/explain", params={"window": "24h"})
    ).json()
    (bucket,) = explained["buckets"]
    assert bucket["reads"] == 60
    tau = explained["tau_seconds"]
    assert math.isclose(bucket["decay"], math.exp(-bucket["age_seconds"] / tau), rel_tol=1e-3)
    assert math.isclose(explained["score"], 60 * bucket["decay"], rel_tol=1e-3)


async def test_comments_favourites_and_recommends_weigh_as_configured(
    analytics_live: LiveEnv, analytics_client: httpx.AsyncClient
) -> None:
    section = new_section_id()
    discussed, read = new_article_id(), new_article_id()
    for article in (discussed, read):
        await analytics_live.publish_event(published(article, [section]))
    await analytics_live.publish_views([view(read, f"r{i}") for i in range(20)])
    events = [
        CommentApproved(comment_id=1, article_id=discussed),
        CommentApproved(comment_id=2, article_id=discussed),
        ArticleFavourited(article_id=discussed, section_id=section, user_id=1),
        ArticleFavourited(article_id=discussed, section_id=section, user_id=2),
        ArticleFavourited(article_id=discussed, section_id=section, user_id=2, active=False),
        ArticleRecommended(article_id=discussed, section_id=section, visitor="v"),
    ]
    for event in events:
        await analytics_live.publish_event(event)

    s = analytics_live.settings
    expected = 2 * s.weight_comments + 1 * s.weight_favourites + 1 * s.weight_recommends

    async def weighed() -> None:
        response = await analytics_client.get(f"/api/v1/hot/{discussed}/explain?window=1h")
        body = response.json()
        (bucket,) = body["buckets"]
        assert (bucket["comments"], bucket["favourites"], bucket["recommends"]) == (2, 1, 1)
        assert math.isclose(body["score"], expected * bucket["decay"], rel_tol=1e-3)

    await eventually(weighed)
    stats = (await analytics_client.get(f"/api/v1/articles/{discussed}/stats")).json()
    assert (stats["comments"], stats["favourites"], stats["recommends"]) == (2, 1, 1)

    async def ranked() -> None:
        # 2*5 + 3 + 4 = 17 weighted units against 20 reads: reads still lead here
        assert await hot(analytics_client, "1h", section) == [read, discussed]

    await eventually(ranked)


async def test_unpublished_and_archived_articles_leave_every_hot_list(
    analytics_live: LiveEnv, analytics_client: httpx.AsyncClient
) -> None:
    root, child = new_section_id(), new_section_id()
    kept, pulled, archived = new_article_id(), new_article_id(), new_article_id()
    for article in (kept, pulled, archived):
        await analytics_live.publish_event(published(article, [root, child]))
    await analytics_live.publish_views(
        [view(a, f"{a}-{i}") for a in (kept, pulled, archived) for i in range(3)]
    )

    async def listed() -> None:
        assert set(await hot(analytics_client, "24h", root)) == {kept, pulled, archived}
        assert set(await hot(analytics_client, "24h", child)) == {kept, pulled, archived}

    await eventually(listed)
    await analytics_live.publish_event(ArticleUnpublished(article_id=pulled, section_id=child))
    await analytics_live.publish_event(ArticleArchived(article_id=archived, section_id=child))

    async def dropped() -> None:
        assert await hot(analytics_client, "24h", root) == [kept]
        assert await hot(analytics_client, "24h", child) == [kept]
        overall = await hot(analytics_client, "24h")
        assert kept in overall
        assert pulled not in overall
        assert archived not in overall

    await eventually(dropped)
    stats = (await analytics_client.get(f"/api/v1/articles/{pulled}/stats")).json()
    assert (stats["reads"], stats["listed"]) == (3, False)  # still counted, no longer ranked
    await analytics_live.publish_event(published(pulled, [root, child]))

    async def back() -> None:
        assert set(await hot(analytics_client, "24h", root)) == {kept, pulled}

    await eventually(back)
