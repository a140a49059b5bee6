# ruff: noqa: RUF001 - CJK text on purpose
"""Each pipeline phase on the real Postgres and Redis, and the order they are recorded in."""

from __future__ import annotations

import uuid

from comments_testing import CommentsDriver, client_header, next_id, poll
from sqlalchemy import select

from comments.adapters.tables import comments
from common.events.articles import ArticleDeleted, ArticleUnpublished


async def _phases(app: CommentsDriver, comment_id: int) -> list[tuple[str, str, str]]:
    async with app.ctx.sessions() as session:
        phases = await session.scalar(select(comments.c.phases).where(comments.c.id == comment_id))
    return [(p["phase"], p["outcome"], p["reason"]) for p in phases]


async def test_all_phases_are_recorded_in_order(comments_app: CommentsDriver) -> None:
    article = await comments_app.article(policy="post")
    done = await comments_app.submit(article, "一条普通评论", user=next_id())
    assert done["status"] == "approved"
    assert await _phases(comments_app, done["id"]) == [
        ("length", "approve", "length_ok"),
        ("article", "approve", "article_open"),
        ("ban", "approve", "not_banned"),
        ("rate_limit", "approve", "within_limits"),
        ("duplicate", "approve", "unique"),
        ("banned_words", "approve", "clean"),
        ("suspect_words", "approve", "clean"),
        ("links", "approve", "no_links"),
        ("content", "approve", "has_content"),
        ("trust", "approve", "no_history_or_neutral"),
        ("policy", "approve", "policy_post"),
    ]


async def test_length_counts_graphemes_and_uses_the_section_limit(
    comments_app: CommentsDriver,
) -> None:
    article = await comments_app.article(policy="post")
    # 250 user-perceived characters, 295 code points (varied text: repeats alone are filler)
    body = "城市更新要听取居民的意见" * 20 + "👍🏽" * 5 + "👨‍👩‍👧" * 5
    assert (await comments_app.submit(article, body, user=next_id()))["status"] == "approved"
    refused = await comments_app.submit(article, "好" * 251, user=next_id(), expect=422)
    assert refused["error"] == "too_long"
    short = await comments_app.article(policy="post", max_length=20)
    await comments_app.submit(short, "好" * 21, user=next_id(), expect=422)
    fits = "城市更新要听取居民的意见" + "社区建设要共同参与"[:8]
    assert (await comments_app.submit(short, fits, user=next_id()))["status"] == "approved"


async def test_missing_closed_unpublished_and_deleted_articles_reject(
    comments_app: CommentsDriver,
) -> None:
    missing = await comments_app.submit(next_id(), "有人吗", user=next_id())
    assert missing["status"] == "rejected"
    assert missing["reasons"][0] == "article_missing"  # then policy_pre: the default policy
    closed = await comments_app.article(open_=False)
    assert (await comments_app.submit(closed, "关了吗", user=next_id()))["reasons"] == [
        "comments_closed"
    ]
    gone = await comments_app.article()
    await comments_app.apply(ArticleUnpublished(article_id=gone, section_id=1))
    assert (await comments_app.submit(gone, "撤了？", user=next_id()))["reasons"] == [
        "article_unpublished"
    ]
    deleted = await comments_app.article()
    await comments_app.apply(ArticleDeleted(article_id=deleted, section_id=1))
    assert (await comments_app.submit(deleted, "删了？", user=next_id()))["reasons"] == [
        "article_deleted"
    ]


async def test_bans_reject_and_expire(comments_app: CommentsDriver) -> None:
    article = await comments_app.article()
    user, client = next_id(), f"c-{uuid.uuid4().hex}"
    ban = await comments_app.http.post(
        "/api/v1/moderation/bans",
        headers=comments_app.moderator,
        json={
            "subject_type": "user",
            "subject": str(user),
            "kind": "ban",
            "reason": "spam",
            "duration_seconds": 1,
        },
    )
    assert ban.status_code == 201, ban.text
    suspend = await comments_app.http.post(
        "/api/v1/moderation/bans",
        headers=comments_app.moderator,
        json={
            "subject_type": "client",
            "subject": client,
            "kind": "suspend",
            "reason": "flood",
            "duration_seconds": 3600,
        },
    )
    assert suspend.status_code == 201
    assert (await comments_app.submit(article, "我又来了", user=user))["reasons"] == ["user_banned"]
    anon = await comments_app.submit(article, "我也来了", client=client)
    assert anon["reasons"] == ["client_suspended"]

    async def expired() -> bool:
        active = await comments_app.http.get(
            "/api/v1/moderation/bans",
            headers=comments_app.moderator,
            params={"subject_type": "user", "subject": str(user), "active": "true"},
        )
        return active.json()["items"] == []

    await poll(expired, within=5)
    assert (await comments_app.submit(article, "过期了", user=user))["status"] == "approved"
    lifted = await comments_app.http.delete(
        f"/api/v1/moderation/bans/{suspend.json()['id']}", headers=comments_app.moderator
    )
    assert lifted.json()["active"] is False
    assert (await comments_app.submit(article, "解封了", client=client))["status"] == "approved"


async def test_rate_limits_per_user_and_per_client(comments_app: CommentsDriver) -> None:
    article = await comments_app.article()
    user = next_id()
    limit = comments_app.ctx.settings.rate_user_per_minute
    for i in range(limit):
        await comments_app.submit(article, f"第{i}条 {uuid.uuid4().hex}", user=user)
    refused = await comments_app.submit(article, "再来一条", user=user, expect=429)
    assert refused["error"] == "rate_limited"
    client = f"c-{uuid.uuid4().hex}"
    for i in range(comments_app.ctx.settings.rate_client_per_minute):
        await comments_app.submit(article, f"匿名{i} {uuid.uuid4().hex}", client=client)
    await comments_app.submit(article, "匿名再来", client=client, expect=429)
    mine = await comments_app.http.get("/api/v1/comments/mine", headers=client_header(client))
    assert (
        len(mine.json()["items"]) == comments_app.ctx.settings.rate_client_per_minute
    )  # refusals are not stored


async def test_duplicates_and_floods(comments_app: CommentsDriver) -> None:
    article = await comments_app.article()
    user = next_id()
    assert (await comments_app.submit(article, "快来买便宜货 1", user=user))["status"] == "approved"
    again = await comments_app.submit(article, "快来 买便宜货!!! 2", user=user)  # near-same
    assert (again["status"], again["reasons"]) == ("rejected", ["duplicate"])
    text = f"统一口径的宣传文字 {uuid.uuid4().hex[:8]}"
    statuses = [
        (await comments_app.submit(article, text, user=next_id()))["status"] for _ in range(5)
    ]
    assert statuses[:3] == ["approved"] * 3
    assert statuses[3:] == ["pending"] * 2  # more than 3 authors with the same text: flood


async def test_banned_suspect_links_and_markup(comments_app: CommentsDriver) -> None:
    await comments_app.words("banned", ["测试禁词甲"])
    await comments_app.words("suspect", ["测试可疑乙"])
    article = await comments_app.article()
    banned = await comments_app.submit(article, "这是 測 試 禁 詞 甲 吧", user=next_id())
    assert (banned["status"], banned["reasons"]) == ("rejected", ["banned_word"])
    suspect = await comments_app.submit(article, "有点测试可疑乙", user=next_id())
    assert (suspect["status"], suspect["reasons"]) == ("pending", ["suspect_word"])
    link = await comments_app.submit(article, "看这里 https://spam.example.cn/x", user=next_id())
    assert (link["status"], link["reasons"]) == ("pending", ["link"])
    markup = await comments_app.submit(article, "<b onclick=alert(1)>hi</b>", user=next_id())
    assert (markup["status"], markup["reasons"]) == ("pending", ["markup"])


async def test_disguised_links_hold_and_repeated_characters_are_refused(
    comments_app: CommentsDriver,
) -> None:
    article = await comments_app.article(policy="post")
    disguised = "加我 ｗｗｗ．ｓｐａｍ．ｃｏｍ 领红包"
    for body in (disguised, "加群 spam 。com 有福利"):
        held = await comments_app.submit(article, body, user=next_id())
        assert (held["status"], held["reasons"]) == ("pending", ["disguised_link"]), body
    repeated = await comments_app.submit(article, "顶" * 20, user=next_id())
    assert (repeated["status"], repeated["reasons"]) == ("rejected", ["repeated_character"])
    filler = await comments_app.submit(article, "好文" + "顶" * 15, user=next_id())
    assert (filler["status"], filler["reasons"]) == ("pending", ["low_content"])
    fine = await comments_app.submit(article, "哈哈哈，说得对，顶一下", user=next_id())
    assert fine["status"] == "approved"


async def test_trust_skips_review_and_rejections_force_it(comments_app: CommentsDriver) -> None:
    open_article = await comments_app.article(policy="post")
    user = next_id()
    for i in range(3):
        await comments_app.submit(open_article, f"好评论 {i} {uuid.uuid4().hex}", user=user)
    pre = await comments_app.article(policy="pre")
    trusted = await comments_app.submit(pre, "信任的作者", user=user)
    assert trusted["status"] == "approved"
    assert await _phases(comments_app, trusted["id"]) == [
        *[p for p in await _phases(comments_app, trusted["id"]) if p[0] not in ("trust", "policy")],
        ("trust", "approve", "trusted"),
        ("policy", "approve", "trusted_skips_review"),
    ]
    troll = next_id()
    ids = [
        (await comments_app.submit(open_article, f"垃圾 {i} {uuid.uuid4().hex}", user=troll))["id"]
        for i in range(3)
    ]
    await comments_app.decide(*[(i, "reject", "abuse") for i in ids])
    forced = await comments_app.submit(open_article, "我又来了", user=troll)
    assert (forced["status"], forced["reasons"]) == ("pending", ["high_rejection_rate"])


async def test_section_policies(comments_app: CommentsDriver) -> None:
    pre = await comments_app.article(policy="pre")
    assert (await comments_app.submit(pre, "先审后发", user=next_id()))["reasons"] == ["policy_pre"]
    post = await comments_app.article(policy="post")
    assert (await comments_app.submit(post, "先发后审", user=next_id()))["status"] == "approved"
    first = await comments_app.article(policy="first")
    user = next_id()
    held = await comments_app.submit(first, "第一次评论", user=user)
    assert held["reasons"] == ["first_comment"]
    await comments_app.decide((held["id"], "approve", ""))
    assert (await comments_app.submit(first, "第二次评论", user=user))["status"] == "approved"
