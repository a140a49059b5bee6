"""A first pass through submit, read and moderate."""

from __future__ import annotations

from comments_testing import CommentsDriver


async def test_submit_and_read(comments_app: CommentsDriver) -> None:
    article = await comments_app.article(policy="post")
    done = await comments_app.submit(article, "写得好，支持一下！")
    assert done["status"] == "approved", done
    page = (await comments_app.http.get(f"/api/v1/articles/{article}/comments")).json()
    assert [c["body"] for c in page["items"]] == ["写得好，支持一下！"]
