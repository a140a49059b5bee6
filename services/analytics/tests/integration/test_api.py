"""Operator statistics and input validation of the HTTP API."""

from __future__ import annotations

import httpx
import pytest
from analytics_testing import LiveEnv, eventually, new_article_id, operator_headers, view


async def test_overview_shows_traffic_top_articles_and_consumer_lag(
    analytics_live: LiveEnv, analytics_client: httpx.AsyncClient
) -> None:
    article = new_article_id()
    await analytics_live.publish_views([view(article, f"o{i}") for i in range(50)])

    async def shown() -> None:
        body = (
            await analytics_client.get(
                "/api/v1/stats/overview?minutes=10", headers=operator_headers()
            )
        ).json()
        assert len(body["reads_per_minute"]) == 10
        assert body["reads_per_minute"][-1]["reads"] >= 50
        assert body["unique_visitors_today"] >= 50
        assert article in [a["article_id"] for a in body["top_articles"]]
        assert body["lag_error"] is None
        groups = {p["group"] for p in body["consumer_lag"]}
        assert analytics_live.settings.views_group in groups
        assert body["total_lag"] == 0

    await eventually(shown)


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/api/v1/reads", "ids"),
        ("/api/v1/reads?ids=1,abc", "positive integers"),
        ("/api/v1/hot?window=2h", "window"),
        ("/api/v1/hot?limit=0", "limit"),
        ("/api/v1/hot/1/explain?window=30d", "window"),
        ("/api/v1/articles/0/stats", "article_id"),
        ("/api/v1/stats/overview?minutes=999", "minutes"),
    ],
)
async def test_bad_input_gets_a_422_with_a_reason(
    analytics_client: httpx.AsyncClient, path: str, reason: str
) -> None:
    response = await analytics_client.get(path, headers=operator_headers())
    assert response.status_code == 422
    assert reason in response.json()["detail"]


async def test_overview_is_for_operators_only(analytics_client: httpx.AsyncClient) -> None:
    assert (await analytics_client.get("/api/v1/stats/overview")).status_code == 401
    assert (await analytics_client.get("/metrics")).status_code == 401


async def test_health_and_sections(
    analytics_live: LiveEnv, analytics_client: httpx.AsyncClient
) -> None:
    assert (await analytics_client.get("/readyz")).status_code == 200
    body = (await analytics_client.get("/api/v1/stats/sections")).json()
    assert isinstance(body["items"], list)
