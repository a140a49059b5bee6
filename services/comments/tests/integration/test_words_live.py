"""Word-list edits apply live, in every copy of the service, without a restart."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from comments_testing import CommentsDriver, next_id

from comments.context import CommentsContext
from comments.domain.model import Author
from comments.domain.submit import submit_comment


@pytest.fixture
async def second_copy(comments_app: CommentsDriver) -> AsyncIterator[CommentsContext]:
    """Another process's worth of clients and matcher on the same database and Redis."""
    ctx = CommentsContext.create(comments_app.ctx.settings)
    await ctx.words.current(None)
    yield ctx
    await ctx.close()


async def _submit_via(ctx: CommentsContext, article: int, body: str) -> str:
    author = Author(user_id=next_id(), name="copy", client_id=f"c-{uuid.uuid4().hex}")
    done = await submit_comment(
        ctx=ctx, article_id=article, body=body, parent_id=None, author=author
    )
    return done.status


async def test_edits_reach_every_copy_on_its_next_submission(
    comments_app: CommentsDriver, second_copy: CommentsContext
) -> None:
    article = await comments_app.article(policy="post")
    word = f"新禁词{uuid.uuid4().hex[:4]}"
    assert await _submit_via(second_copy, article, f"这里有{word}") == "approved"
    await comments_app.words("banned", [word])  # through copy one's API
    assert await _submit_via(second_copy, article, f"现在{word}不行了") == "rejected"
    assert (await comments_app.submit(article, f"{word}!", user=next_id()))["reasons"] == [
        "banned_word"
    ]
    removed = await comments_app.http.delete(
        "/api/v1/moderation/words",
        params={"list": "banned", "word": word},
        headers=comments_app.moderator,
    )
    assert removed.json()["removed"] == 1
    assert await _submit_via(second_copy, article, f"又可以说{word}了") == "approved"


async def test_replace_and_allow_lists(comments_app: CommentsDriver) -> None:
    mod = comments_app.moderator
    tag = uuid.uuid4().hex[:4]
    replaced = await comments_app.http.put(
        "/api/v1/moderation/words",
        params={"list": "suspect"},
        json={"words": [f"轮盘{tag}", f"另一个{tag}"]},
        headers=mod,
    )
    assert replaced.json()["count"] == 2
    listed = await comments_app.http.get(
        "/api/v1/moderation/words", params={"list": "suspect"}, headers=mod
    )
    assert {w["word"] for w in listed.json()["words"]} == {f"轮盘{tag}", f"另一个{tag}"}
    assert listed.json()["version"] == replaced.json()["version"]
    await comments_app.words("banned", [f"法轮{tag}"])
    await comments_app.words("allow", [f"魔法轮{tag}盘"])
    article = await comments_app.article(policy="post")
    innocent = await comments_app.submit(article, f"魔法轮{tag}盘真好玩", user=next_id())
    assert innocent["status"] == "approved"
    guilty = await comments_app.submit(article, f"法 輪 {tag}", user=next_id())
    assert guilty["reasons"] == ["banned_word"]


async def test_a_ten_thousand_word_list_is_accepted_and_matched(
    comments_app: CommentsDriver,
) -> None:
    tag = uuid.uuid4().hex[:6]
    words = [f"批量{tag}词{i}" for i in range(10_000)]
    response = await comments_app.http.post(
        "/api/v1/moderation/words",
        params={"list": "banned"},
        json={"words": words},
        headers=comments_app.moderator,
    )
    assert response.status_code == 200
    assert response.json()["added"] == 10_000
    article = await comments_app.article(policy="post")
    hit = await comments_app.submit(article, f"句子里有 批量{tag}词9999 哦", user=next_id())
    assert hit["reasons"] == ["banned_word"]
