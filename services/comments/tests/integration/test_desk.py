"""The moderation desk: queue filters and ages, claims under races, bulk decisions."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from comments_testing import CommentsDriver, bearer, next_id
from sqlalchemy import func, update

from comments.adapters.tables import comments


async def _pending(app: CommentsDriver, article: int, n: int, text: str = "待审") -> list[int]:
    return [
        (await app.submit(article, f"{text}{i} {uuid.uuid4().hex}", user=next_id()))["id"]
        for i in range(n)
    ]


async def _queue(app: CommentsDriver, **params: Any) -> dict[str, Any]:
    response = await app.http.get("/api/v1/moderation/queue", params=params, headers=app.moderator)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_desk_needs_the_moderator_role(comments_app: CommentsDriver) -> None:
    http = comments_app.http
    anonymous = await http.get("/api/v1/moderation/queue")
    assert (anonymous.status_code, anonymous.json()["error"]) == (401, "unauthorized")
    assert (
        await http.get("/api/v1/moderation/queue", headers=bearer(next_id(), "reader"))
    ).status_code == 403
    assert (
        await http.get("/api/v1/moderation/queue", headers=bearer(next_id(), "admin"))
    ).status_code == 200
    body = {"decisions": [{"comment_id": 1, "decision": "approve"}]}
    assert (
        await http.post("/api/v1/moderation/decisions", json=body, headers=bearer(1, "reader"))
    ).status_code == 403


async def test_queue_filters_oldest_first_with_ages_and_phases(
    comments_app: CommentsDriver,
) -> None:
    root, child = next_id(), next_id()
    in_child = await comments_app.article(policy="pre", section_path=[root, child])
    in_root = await comments_app.article(policy="pre", section_path=[root])
    elsewhere = await comments_app.article(policy="pre")
    a = await _pending(comments_app, in_child, 2)
    b = await _pending(comments_app, in_root, 1)
    await _pending(comments_app, elsewhere, 1)
    await comments_app.words("suspect", ["队列可疑词"])
    suspect = await comments_app.submit(in_root, "含有队列可疑词", user=next_id())

    by_section = await _queue(comments_app, section=root)
    assert [i["id"] for i in by_section["items"]] == [
        *a,
        *b,
        suspect["id"],
    ]  # oldest first, subtree
    assert by_section["total"] == 4
    ages = [i["age_seconds"] for i in by_section["items"]]
    assert ages == sorted(ages, reverse=True)
    assert by_section["oldest_age_seconds"] >= ages[0] - 0.01
    first = by_section["items"][0]
    assert first["phases"][-1] == {"phase": "policy", "outcome": "hold", "reason": "policy_pre"}
    assert first["author"]["client_id"]
    assert first["article_title"]
    assert [i["id"] for i in (await _queue(comments_app, section=child))["items"]] == a
    assert [i["id"] for i in (await _queue(comments_app, article=in_root))["items"]] == [
        *b,
        suspect["id"],
    ]
    by_reason = await _queue(comments_app, section=root, reason="suspect_word")
    assert [i["id"] for i in by_reason["items"]] == [suspect["id"]]
    assert (await _queue(comments_app, section=root, min_age=3600))["items"] == []


async def test_queue_items_carry_marks_and_the_authors_record(
    comments_app: CommentsDriver,
) -> None:
    await comments_app.words("suspect", ["标记可疑词"])
    article = await comments_app.article(policy="pre")
    author = next_id()
    earlier = await _pending(comments_app, article, 2)
    mine = await comments_app.submit(article, f"我的评论 {uuid.uuid4().hex}", user=author)
    await comments_app.decide((mine["id"], "reject", "spam"))
    body = "这里有标记可疑词; 还有 www.example.com 看看"
    held = await comments_app.submit(article, body, user=author)
    await comments_app.decide((earlier[0], "approve", ""))

    items = {i["id"]: i for i in (await _queue(comments_app, article=article))["items"]}
    item = items[held["id"]]
    marked = [(body[m["start"] : m["end"]], m["kind"]) for m in item["marks"]]
    assert marked == [("标记可疑词", "suspect"), ("www.example.com", "link")]
    assert item["author_record"] == {
        "comments": 2,
        "approved": 0,
        "rejected": 1,
        "pending": 1,
        "reports": 0,
        "bans": 0,
        "banned_now": False,
    }
    assert items[earlier[1]]["author_record"]["comments"] == 1


async def test_an_anonymous_authors_record_counts_by_client_and_shows_a_live_suspension(
    comments_app: CommentsDriver,
) -> None:
    article = await comments_app.article(policy="pre")
    client = f"c-{uuid.uuid4().hex}"
    first = await comments_app.submit(article, f"匿名留言 {uuid.uuid4().hex}", client=client)
    second = await comments_app.submit(article, f"再来一条 {uuid.uuid4().hex}", client=client)
    await comments_app.decide((first["id"], "approve", ""))
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
    assert suspend.status_code == 201, suspend.text

    items = {i["id"]: i for i in (await _queue(comments_app, article=article))["items"]}
    assert items[second["id"]]["author_record"] == {
        "comments": 2,
        "approved": 1,
        "rejected": 0,
        "pending": 1,
        "reports": 0,
        "bans": 1,
        "banned_now": True,
    }


async def test_claims_follow_the_queue_filters(comments_app: CommentsDriver) -> None:
    old_article = await comments_app.article(policy="pre")
    other = await comments_app.article(policy="pre")
    await _pending(comments_app, other, 2)
    wanted = await _pending(comments_app, old_article, 2)
    claimed = await comments_app.http.post(
        "/api/v1/moderation/claims",
        json={"count": 10, "article": old_article, "min_age": 0},
        headers=comments_app.moderator,
    )
    assert claimed.status_code == 200, claimed.text
    assert [i["id"] for i in claimed.json()["claimed"]] == wanted


async def test_concurrent_claims_never_share_a_comment(comments_app: CommentsDriver) -> None:
    article = await comments_app.article(policy="pre")
    ids = set(await _pending(comments_app, article, 30))
    moderators = [bearer(8000 + i, "moderator", name=f"m{i}") for i in range(6)]

    async def claim(headers: dict[str, str]) -> list[int]:
        response = await comments_app.http.post(
            "/api/v1/moderation/claims", json={"count": 8, "article": article}, headers=headers
        )
        assert response.status_code == 200, response.text
        return [i["id"] for i in response.json()["claimed"]]

    results = await asyncio.gather(*(claim(h) for h in moderators))
    claimed = [i for r in results for i in r]
    assert len(claimed) == len(set(claimed)) == 30  # disjoint, and everything got claimed
    assert set(claimed) == ids
    owner = {i: n for n, r in enumerate(results) for i in r}
    sample = next(iter(ids))
    holder = moderators[owner[sample]]
    intruder = moderators[(owner[sample] + 1) % len(moderators)]
    taken = await comments_app.http.post(
        "/api/v1/moderation/claims", json={"comment_ids": [sample]}, headers=intruder
    )
    assert taken.json() == {"claimed": [], "unavailable": [sample]}
    blocked = await comments_app.decide((sample, "approve", ""), who=intruder)
    assert blocked == [{"comment_id": sample, "outcome": "claimed_by_other", "status": "pending"}]
    applied = await comments_app.decide((sample, "approve", "ok"), who=holder)
    assert applied[0]["outcome"] == "applied"


async def test_expired_and_released_claims_are_free_again(comments_app: CommentsDriver) -> None:
    article = await comments_app.article(policy="pre")
    (one, two) = await _pending(comments_app, article, 2)
    m1, m2 = bearer(8101, "moderator"), bearer(8102, "moderator")
    got = await comments_app.http.post(
        "/api/v1/moderation/claims", json={"comment_ids": [one, two]}, headers=m1
    )
    assert [i["id"] for i in got.json()["claimed"]] == [one, two]
    assert got.json()["claimed"][0]["claim"]["moderator_id"] == 8101
    async with comments_app.ctx.sessions() as session, session.begin():
        await session.execute(
            update(comments)
            .where(comments.c.id == one)
            .values(claim_expires_at=func.now() - func.make_interval(0, 0, 0, 0, 0, 0, 1))
        )
    released = await comments_app.http.post(
        "/api/v1/moderation/claims/release", json={"comment_ids": [two]}, headers=m1
    )
    assert released.json() == {"released": [two]}
    again = await comments_app.http.post(
        "/api/v1/moderation/claims", json={"comment_ids": [one, two]}, headers=m2
    )
    assert [i["id"] for i in again.json()["claimed"]] == [one, two]


async def test_bulk_decisions_report_each_outcome(comments_app: CommentsDriver) -> None:
    article = await comments_app.article(policy="pre")
    a, b, c, held = await _pending(comments_app, article, 4)
    other = bearer(8201, "moderator")
    await comments_app.http.post(
        "/api/v1/moderation/claims", json={"comment_ids": [held]}, headers=other
    )
    await comments_app.decide((c, "approve", ""))
    results = await comments_app.decide(
        (a, "approve", ""),
        (b, "reject", "spam"),
        (c, "approve", ""),
        (held, "reject", "spam"),
        (next_id(), "approve", ""),
    )
    assert [(r["outcome"], r["status"]) for r in results] == [
        ("applied", "approved"),
        ("applied", "rejected"),
        ("unchanged", "approved"),
        ("claimed_by_other", "pending"),
        ("not_found", None),
    ]
    assert await comments_app.outbox_events(a) == ["comment.submitted", "comment.approved"]
    assert await comments_app.outbox_events(b) == ["comment.submitted", "comment.rejected"]
    undo = await comments_app.decide((a, "reject", "second thoughts"))
    assert undo[0]["outcome"] == "applied"
    assert (await comments_app.http.get(f"/api/v1/comments/{a}")).status_code == 404
    no_reason = await comments_app.http.post(
        "/api/v1/moderation/decisions",
        headers=comments_app.moderator,
        json={"decisions": [{"comment_id": b, "decision": "reject", "reason": " "}]},
    )
    assert no_reason.status_code == 422
    twice = await comments_app.http.post(
        "/api/v1/moderation/decisions",
        headers=comments_app.moderator,
        json={"decisions": [{"comment_id": b, "decision": "approve"}] * 2},
    )
    assert twice.status_code == 422


async def test_stats_and_reported_queue(comments_app: CommentsDriver) -> None:
    article = await comments_app.article(policy="post")
    done = await comments_app.submit(article, "被举报的评论", user=next_id())
    for _ in range(2):
        report = await comments_app.http.post(
            f"/api/v1/comments/{done['id']}/report",
            json={"reason": "abuse"},
            headers=bearer(next_id()),
        )
        assert report.status_code == 202
    reported = await _queue(comments_app, status="reported", article=article)
    assert [(i["id"], i["report_count"]) for i in reported["items"]] == [(done["id"], 2)]
    stats = await comments_app.http.get("/api/v1/moderation/stats", headers=comments_app.moderator)
    assert stats.json()["reported"] >= 1
    kept = await comments_app.decide((done["id"], "approve", "fair comment"))
    assert kept == [{"comment_id": done["id"], "outcome": "applied", "status": "approved"}]
    assert (await _queue(comments_app, status="reported", article=article))["items"] == []
