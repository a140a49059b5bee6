"""Views are counted exactly: dedup window, duplicate batches, reads API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from analytics_testing import LiveEnv, eventually, new_article_id, reads_of, view


async def test_reads_are_counted_and_served_for_many_articles(
    analytics_live: LiveEnv, analytics_client: httpx.AsyncClient
) -> None:
    a, b = new_article_id(), new_article_id()
    await analytics_live.publish_views(
        [view(a, f"v{i}") for i in range(5)] + [view(b, "v1"), view(b, "v2")]
    )

    async def counted() -> dict[str, object]:
        response = await analytics_client.get("/api/v1/reads", params={"ids": f"{a},{b},{a}"})
        assert response.status_code == 200
        body: dict[str, object] = response.json()
        assert body == {
            "items": [
                {"article_id": a, "reads": 5, "unique_visitors": 5},
                {"article_id": b, "reads": 2, "unique_visitors": 2},
            ]
        }
        return body

    await eventually(counted)
    stats = (await analytics_client.get(f"/api/v1/articles/{a}/stats")).json()
    assert stats["reads"] == 5
    assert stats["reads_by_minute"][-1]["reads"] == 5
    assert stats["reads_by_hour"][-1]["reads"] == 5
    assert len(stats["reads_by_minute"]) == 60


async def test_repeat_reads_within_the_window_count_once(analytics_live: LiveEnv) -> None:
    article = new_article_id()
    window = analytics_live.settings.dedup_window_seconds
    start = datetime.fromtimestamp((datetime.now(UTC).timestamp() // window) * window, UTC)
    await analytics_live.publish_views(
        [
            view(article, "reader", at=start + timedelta(seconds=1)),
            view(article, "reader", at=start + timedelta(seconds=30)),  # same window: repeat
            view(article, "other", at=start + timedelta(seconds=31)),
        ]
    )
    await analytics_live.publish_views(
        [view(article, "reader", at=start - timedelta(seconds=5))]  # the window before
    )

    async def counted() -> None:
        found = await reads_of(analytics_live, article)
        assert (found["reads"], found["dups"], found["unique_visitors"]) == (3, 1, 2)

    await eventually(counted)


async def test_a_batch_delivered_twice_counts_once(analytics_live: LiveEnv) -> None:
    article = new_article_id()
    batch = [view(article, f"x{i}") for i in range(10)]
    event_id = await analytics_live.publish_views(batch)
    await analytics_live.publish_views(batch, event_id=event_id)  # the recorder's retry
    marker = new_article_id()
    await analytics_live.publish_views([view(marker, "late")], key=str(event_id))  # after both

    async def counted() -> None:
        assert (await reads_of(analytics_live, marker))["reads"] == 1
        found = await reads_of(analytics_live, article)
        assert (found["reads"], found["dups"]) == (10, 0)

    await eventually(counted)
