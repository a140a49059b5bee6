"""A resubmission refused by the rate limit keeps the duplicate check of the text it repeats."""

from __future__ import annotations

import uuid

from comments_testing import CommentsDriver, next_id


async def _next_minute(app: CommentsDriver) -> None:
    """The rate-limit windows roll over (their counters go), as a minute passing would."""
    redis, prefix = app.ctx.redis, app.ctx.settings.redis_prefix
    keys = [k async for k in redis.scan_iter(match=f"{prefix}:rl:*", count=1000)]
    if keys:
        await redis.delete(*keys)


async def test_a_rate_limited_repeat_is_still_a_duplicate_later(
    comments_app: CommentsDriver,
) -> None:
    article, user = await comments_app.article(), next_id()
    text = f"这篇文章写得真好 {uuid.uuid4().hex[:8]}"
    assert (await comments_app.submit(article, text, user=user))["status"] == "approved"
    for i in range(comments_app.ctx.settings.rate_user_per_minute - 1):
        await comments_app.submit(article, f"另一条评论 {i} {uuid.uuid4().hex}", user=user)
    refused = await comments_app.submit(article, text, user=user, expect=429)
    assert refused["error"] == "rate_limited"
    await _next_minute(comments_app)
    again = await comments_app.submit(article, text, user=user)
    assert (again["status"], again["reasons"]) == ("rejected", ["duplicate"])


async def test_an_anonymous_client_rate_limited_repeat_is_still_a_duplicate(
    comments_app: CommentsDriver,
) -> None:
    article, client = await comments_app.article(), f"c-{uuid.uuid4().hex}"
    text = f"匿名读者的同一句话 {uuid.uuid4().hex[:8]}"
    assert (await comments_app.submit(article, text, client=client))["status"] != "rejected"
    for i in range(comments_app.ctx.settings.rate_client_per_minute - 1):
        await comments_app.submit(article, f"匿名 {i} {uuid.uuid4().hex}", client=client)
    for _ in range(3):  # repeated refusals change nothing either
        await comments_app.submit(article, text, client=client, expect=429)
    await _next_minute(comments_app)
    again = await comments_app.submit(article, text, client=client)
    assert (again["status"], again["reasons"]) == ("rejected", ["duplicate"])


async def test_a_text_first_refused_by_the_rate_limit_may_be_sent_again(
    comments_app: CommentsDriver,
) -> None:
    article, user = await comments_app.article(), next_id()
    for i in range(comments_app.ctx.settings.rate_user_per_minute):
        await comments_app.submit(article, f"先占满额度 {i} {uuid.uuid4().hex}", user=user)
    text = f"被限流的新评论 {uuid.uuid4().hex[:8]}"
    await comments_app.submit(article, text, user=user, expect=429)
    await _next_minute(comments_app)
    assert (await comments_app.submit(article, text, user=user))["status"] == "approved"
