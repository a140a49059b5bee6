"""Likes, reports and deletion: once per reader, only on published comments, with events."""

from __future__ import annotations

from comments_testing import CommentsDriver, bearer, client_header, next_id


async def test_likes_count_once_per_reader(comments_app: CommentsDriver) -> None:
    article = await comments_app.article(policy="post")
    done = await comments_app.submit(article, "点赞我", user=next_id())
    url = f"/api/v1/comments/{done['id']}/like"
    reader, client = bearer(next_id()), client_header()
    first = await comments_app.http.post(url, headers=reader)
    assert first.json() == {"comment_id": done["id"], "like_count": 1, "duplicate": False}
    assert (await comments_app.http.post(url, headers=reader)).json()["duplicate"] is True
    assert (await comments_app.http.post(url, headers=client)).json()["like_count"] == 2
    page = (await comments_app.http.get(f"/api/v1/articles/{article}/comments")).json()
    assert page["items"][0]["like_count"] == 2
    assert await comments_app.outbox_events(done["id"]) == [
        "comment.submitted",
        "comment.approved",
        "comment.liked",
        "comment.liked",
    ]


async def test_reports_and_likes_need_a_published_comment(comments_app: CommentsDriver) -> None:
    article = await comments_app.article(policy="pre")
    pending = await comments_app.submit(article, "还在审核", user=next_id())
    for path, body in (("like", None), ("report", {"reason": "spam"})):
        response = await comments_app.http.post(
            f"/api/v1/comments/{pending['id']}/{path}", json=body
        )
        assert response.status_code == 404, path
    bad = await comments_app.http.post(
        f"/api/v1/comments/{pending['id']}/report", json={"reason": "boring"}
    )
    assert bad.status_code == 422


async def test_reports_count_once_per_reader(comments_app: CommentsDriver) -> None:
    article = await comments_app.article(policy="post")
    done = await comments_app.submit(article, "举报我", user=next_id())
    url = f"/api/v1/comments/{done['id']}/report"
    reader = bearer(next_id())
    assert (await comments_app.http.post(url, json={"reason": "spam"}, headers=reader)).json()[
        "duplicate"
    ] is False
    assert (await comments_app.http.post(url, json={"reason": "abuse"}, headers=reader)).json()[
        "duplicate"
    ] is True
    assert await comments_app.outbox_events(done["id"]) == [
        "comment.submitted",
        "comment.approved",
        "comment.reported",
    ]


async def test_only_the_author_or_a_moderator_deletes(comments_app: CommentsDriver) -> None:
    article = await comments_app.article(policy="post")
    author = next_id()
    done = await comments_app.submit(article, "我的评论", user=author)
    url = f"/api/v1/comments/{done['id']}"
    assert (await comments_app.http.delete(url, headers=bearer(next_id()))).status_code == 403
    assert (await comments_app.http.delete(url, headers=client_header())).status_code == 403
    assert (await comments_app.http.delete(url, headers=bearer(author))).json()[
        "status"
    ] == "deleted"
    assert (await comments_app.http.get(url)).status_code == 404
    other = await comments_app.submit(article, "被版主删除", user=next_id())
    removed = await comments_app.http.delete(
        f"/api/v1/comments/{other['id']}", headers=comments_app.moderator
    )
    assert removed.status_code == 200
    assert await comments_app.outbox_events(other["id"]) == [
        "comment.submitted",
        "comment.approved",
        "comment.deleted",
    ]
