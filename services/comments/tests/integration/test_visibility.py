"""No reader path shows a pending or rejected comment to anyone but its author and moderators."""

from __future__ import annotations

import uuid
from typing import Any

from comments_testing import CommentsDriver, bearer, client_header, next_id

from common.events.articles import ArticleUnpublished


async def _everything_public(app: CommentsDriver, article: int, headers: dict[str, str]) -> str:
    """Every public reader response for an article, as one text to search."""
    http = app.http
    pages = [
        await http.get(f"/api/v1/articles/{article}/comments", headers=headers),
        await http.get(
            "/api/v1/comments/counts", params={"article_ids": str(article)}, headers=headers
        ),
        await http.get("/api/v1/comments/latest", params={"limit": 50}, headers=headers),
    ]
    assert all(p.status_code == 200 for p in pages)
    return "\n".join(p.text for p in pages)


async def test_unapproved_comments_reach_only_author_and_moderators(
    comments_app: CommentsDriver,
) -> None:
    article = await comments_app.article(policy="pre")
    author, other = next_id(), next_id()
    marker_pending = f"待审{uuid.uuid4().hex[:8]}"
    marker_rejected = f"已拒{uuid.uuid4().hex[:8]}"
    pending = await comments_app.submit(article, marker_pending, user=author)
    rejected = await comments_app.submit(article, marker_rejected, user=author)
    await comments_app.decide((rejected["id"], "reject", "off_topic"))
    anon_client = f"c-{uuid.uuid4().hex}"
    anon = await comments_app.submit(article, f"匿名待审{uuid.uuid4().hex[:8]}", client=anon_client)

    viewers: list[dict[str, str]] = [
        {},
        client_header(),
        bearer(other, "reader"),
        bearer(author, "reader") | client_header(),
    ]
    for headers in viewers:
        text = await _everything_public(comments_app, article, headers)
        assert marker_pending not in text
        assert marker_rejected not in text
        assert '"' + str(article) + '":0' in text.replace(" ", "")  # counts: nothing approved
    for comment_id in (pending["id"], rejected["id"], anon["id"]):
        for headers in ({}, client_header(), bearer(other, "reader")):
            single = await comments_app.http.get(f"/api/v1/comments/{comment_id}", headers=headers)
            assert single.status_code == 404, (comment_id, headers)
    own = await comments_app.http.get(f"/api/v1/comments/{pending['id']}", headers=bearer(author))
    assert own.json()["status"] == "pending"
    by_mod = await comments_app.http.get(
        f"/api/v1/comments/{rejected['id']}", headers=comments_app.moderator
    )
    assert by_mod.json()["status"] == "rejected"
    anon_own = await comments_app.http.get(
        f"/api/v1/comments/{anon['id']}", headers=client_header(anon_client)
    )
    assert anon_own.status_code == 200
    mine = await comments_app.http.get("/api/v1/comments/mine", headers=bearer(author))
    assert {c["id"]: c["status"] for c in mine.json()["items"]} == {
        pending["id"]: "pending",
        rejected["id"]: "rejected",
    }
    others = await comments_app.http.get("/api/v1/comments/mine", headers=bearer(other))
    assert others.json()["items"] == []
    nobody = await comments_app.http.get("/api/v1/comments/mine")
    assert nobody.status_code == 403


async def test_approval_makes_a_comment_public_everywhere(comments_app: CommentsDriver) -> None:
    article = await comments_app.article(policy="pre")
    marker = f"终于通过{uuid.uuid4().hex[:8]}"
    done = await comments_app.submit(article, marker, user=next_id())
    assert marker not in await _everything_public(comments_app, article, {})
    await comments_app.decide((done["id"], "approve", ""))
    text = await _everything_public(comments_app, article, {})
    assert text.count(marker) == 2  # the thread and the latest list
    counts = await comments_app.http.get(
        "/api/v1/comments/counts", params={"article_ids": f"{article},{next_id()}"}
    )
    assert counts.json()["counts"][str(article)] == 1


async def test_threads_nest_replies_and_hide_rejected_branches(
    comments_app: CommentsDriver,
) -> None:
    article = await comments_app.article(policy="post")
    root = await comments_app.submit(article, "楼主", user=next_id())
    reply = await comments_app.submit(article, "回复楼主", user=next_id(), parent_id=root["id"])
    nested = await comments_app.submit(article, "回复的回复", user=next_id(), parent_id=reply["id"])
    doomed = await comments_app.submit(
        article, "会被删的回复", user=next_id(), parent_id=root["id"]
    )
    under_doomed = await comments_app.submit(
        article, "孤儿", user=next_id(), parent_id=doomed["id"]
    )
    await comments_app.decide((doomed["id"], "reject", "abuse"))
    page = (await comments_app.http.get(f"/api/v1/articles/{article}/comments")).json()
    (top,) = page["items"]
    assert top["id"] == root["id"]
    assert [r["id"] for r in top["replies"]] == [reply["id"]]
    assert [r["id"] for r in top["replies"][0]["replies"]] == [nested["id"]]
    assert under_doomed["status"] == "approved"  # approved, but its branch is hidden
    assert "孤儿" not in str(page)
    assert "会被删的回复" not in str(page)
    pending_parent = await comments_app.submit(
        await comments_app.article(policy="pre"), "待审楼主", user=next_id()
    )
    refused = await comments_app.submit(
        article, "回复待审", user=next_id(), parent_id=pending_parent["id"], expect=422
    )
    assert refused["error"] == "invalid_parent"


async def test_threads_page_by_top_level_comment(comments_app: CommentsDriver) -> None:
    article = await comments_app.article(policy="post")
    ids = [(await comments_app.submit(article, f"第{i}楼", user=next_id()))["id"] for i in range(5)]
    await comments_app.submit(article, "回复", user=next_id(), parent_id=ids[0])
    seen: list[int] = []
    cursor: Any = None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (
            await comments_app.http.get(f"/api/v1/articles/{article}/comments", params=params)
        ).json()
        assert page["total"] == 6
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(ids, reverse=True)


async def test_unpublished_article_hides_its_comments(comments_app: CommentsDriver) -> None:
    article = await comments_app.article(policy="post")
    marker = f"文章撤下{uuid.uuid4().hex[:8]}"
    done = await comments_app.submit(article, marker, user=next_id())
    await comments_app.apply(ArticleUnpublished(article_id=article, section_id=1))
    assert marker not in await _everything_public(comments_app, article, {})
    assert (await comments_app.http.get(f"/api/v1/comments/{done['id']}")).status_code == 404


async def test_latest_within_a_section_lists_its_whole_subtree_only(
    comments_app: CommentsDriver,
) -> None:
    parent, child, elsewhere = next_id(), next_id(), next_id()
    inside = await comments_app.article(section_path=[parent, child])
    outside = await comments_app.article(section_path=[elsewhere])
    deep = await comments_app.submit(inside, "子栏目里的评论", user=next_id())
    other = await comments_app.submit(outside, "别的栏目", user=next_id())

    async def latest(section: int) -> list[int]:
        found = await comments_app.http.get(
            "/api/v1/comments/latest", params={"section": section, "limit": 50}
        )
        assert found.status_code == 200
        return [c["id"] for c in found.json()["items"]]

    assert await latest(parent) == [deep["id"]]  # a subsection's comment is in its parent's
    assert await latest(child) == [deep["id"]]
    assert await latest(elsewhere) == [other["id"]]
