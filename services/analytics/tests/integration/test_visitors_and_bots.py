"""Visitor identity rotates daily; crawlers and bot-like behaviour are counted apart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from analytics_testing import (
    LiveEnv,
    eventually,
    new_article_id,
    operator_headers,
    reads_of,
    view,
)

from common.visitor import SALT_TTL_SECONDS, VisitorHasher


async def test_the_daily_salt_makes_the_same_client_a_new_visitor_each_day(
    analytics_live: LiveEnv,
) -> None:
    article = new_article_id()
    salts = f"{analytics_live.state.keys.prefix}salt"
    gateway_a = VisitorHasher(analytics_live.rt.redis, key_prefix=salts)
    gateway_b = VisitorHasher(analytics_live.rt.redis, key_prefix=salts)  # another copy
    day1 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    day2 = day1 + timedelta(days=1)
    first = await gateway_a.visitor(ip="203.0.113.9", user_agent="Mozilla/5.0", at=day1)
    again = await gateway_b.visitor(ip="203.0.113.9", user_agent="Mozilla/5.0", at=day1)
    next_day = await gateway_a.visitor(ip="203.0.113.9", user_agent="Mozilla/5.0", at=day2)
    assert first == again  # every gateway copy agrees within a day
    assert next_day != first  # and the id cannot be linked across days
    assert "203.0.113.9" not in first
    ttl = await analytics_live.rt.redis.ttl(f"{salts}:{day1.date().isoformat()}")
    assert 0 < ttl <= SALT_TTL_SECONDS  # the salt itself is forgotten

    await analytics_live.publish_views(
        [
            view(article, first, at=day1),
            view(article, again, at=day1 + timedelta(minutes=1)),
            view(article, next_day, at=day2),
        ]
    )

    async def counted() -> None:
        found = await reads_of(analytics_live, article)
        assert (found["reads"], found["dups"], found["unique_visitors"]) == (2, 1, 2)

    await eventually(counted)


async def test_crawlers_and_fast_readers_are_counted_as_bots(
    analytics_live: LiveEnv, analytics_client: httpx.AsyncClient
) -> None:
    limit = analytics_live.settings.bot_reads_per_minute
    crawled, person = new_article_id(), new_article_id()
    now = datetime.now(UTC)
    minute = now.replace(second=0, microsecond=0)
    ua_bots = [
        view(crawled, f"c{i}", user_agent=ua)
        for i, ua in enumerate(
            ["Mozilla/5.0 (compatible; Googlebot/2.1)", "curl/8.5", "Baiduspider"]
        )
    ]
    # one visitor opening many articles within a minute behaves like a scraper
    scraper = [
        view(new_article_id(), "scraper", at=minute + timedelta(seconds=i % 50))
        for i in range(limit + 5)
    ]
    await analytics_live.publish_views([*ua_bots, view(crawled, "human"), view(person, "human")])
    await analytics_live.publish_views(scraper)

    async def counted() -> None:
        found = await reads_of(analytics_live, crawled)
        assert (found["reads"], found["bots"], found["unique_visitors"]) == (1, 3, 1)
        totals = [await reads_of(analytics_live, v.article_id) for v in scraper]
        assert sum(t["reads"] for t in totals) == limit
        assert sum(t["bots"] for t in totals) == 5

    await eventually(counted)
    overview = (
        await analytics_client.get("/api/v1/stats/overview?minutes=5", headers=operator_headers())
    ).json()
    assert overview["bot_reads_today"] >= 8
    assert 0 < overview["bot_share_today"] < 1
