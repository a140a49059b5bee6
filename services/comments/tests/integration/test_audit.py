"""The audit log: every decision recorded with who, when, what and why; nothing editable."""

from __future__ import annotations

from typing import Any

import pytest
from comments_testing import CommentsDriver, bearer, next_id
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError


async def _audit(app: CommentsDriver, **params: Any) -> list[dict[str, Any]]:
    response = await app.http.get("/api/v1/moderation/audit", params=params, headers=app.moderator)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_every_decision_is_audited(comments_app: CommentsDriver) -> None:
    article = await comments_app.article(policy="pre")
    author = next_id()
    done = await comments_app.submit(article, "审计我", user=author)
    await comments_app.decide((done["id"], "approve", "looks fine"))
    await comments_app.decide((done["id"], "reject", "on reflection: abuse"))
    deleted = await comments_app.http.delete(
        f"/api/v1/comments/{done['id']}", headers=bearer(author)
    )
    assert deleted.json()["status"] == "deleted"
    entries = list(reversed(await _audit(comments_app, comment_id=done["id"])))
    assert [(e["action"], e["actor_name"], e["reason"]) for e in entries] == [
        ("comment.submitted", "pipeline", "policy_pre"),
        ("comment.approved", "mod1", "looks fine"),
        ("comment.rejected", "mod1", "on reflection: abuse"),
        ("comment.deleted", f"user{author}", "deleted by author"),
    ]
    assert entries[1]["actor_id"] == 7001
    assert entries[2]["detail"] == {
        "from": "approved",
        "to": "rejected",
    }
    assert all(e["at"] for e in entries)


async def test_word_and_ban_edits_are_audited(comments_app: CommentsDriver) -> None:
    await comments_app.words("suspect", ["审计词一"])
    removed = await comments_app.http.delete(
        "/api/v1/moderation/words",
        params={"list": "suspect", "word": "审计词一"},
        headers=comments_app.moderator,
    )
    assert removed.json()["removed"] == 1
    user = next_id()
    ban = await comments_app.http.post(
        "/api/v1/moderation/bans",
        headers=comments_app.moderator,
        json={"subject_type": "user", "subject": str(user), "reason": "spam"},
    )
    await comments_app.http.delete(
        f"/api/v1/moderation/bans/{ban.json()['id']}", headers=comments_app.moderator
    )
    actions = [
        (e["action"], e["subject"]) for e in await _audit(comments_app, actor_id=7001, limit=20)
    ]
    assert ("ban.lift", f"user:{user}") in actions
    assert ("ban.create", f"user:{user}") in actions
    assert ("words.remove", "suspect") in actions
    assert ("words.add", "suspect") in actions


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE moderation_audit SET reason = 'edited'",
        "DELETE FROM moderation_audit",
        "TRUNCATE moderation_audit",
    ],
)
async def test_the_audit_log_cannot_be_edited(comments_app: CommentsDriver, statement: str) -> None:
    await comments_app.submit(await comments_app.article(), "至少一条审计", user=next_id())
    with pytest.raises(DBAPIError, match="append-only"):
        async with comments_app.ctx.sessions() as session, session.begin():
            await session.execute(text(statement))
    async with comments_app.ctx.sessions() as session:
        assert (
            await session.scalar(
                text("SELECT count(*) FROM moderation_audit WHERE reason = 'edited'")
            )
            == 0
        )
