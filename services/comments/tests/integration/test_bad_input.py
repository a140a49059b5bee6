"""Bad input gets a clear 4xx; stored text stays inert plain text."""

from __future__ import annotations

import html
import json

import pytest
from comments_testing import CommentsDriver, client_header, next_id


async def _post_raw(app: CommentsDriver, article: int, raw: bytes) -> tuple[int, dict[str, object]]:
    response = await app.http.post(
        f"/api/v1/articles/{article}/comments",
        content=raw,
        headers={"content-type": "application/json"} | client_header(),
    )
    return response.status_code, response.json()


@pytest.mark.parametrize(
    ("payload", "status", "error"),
    [
        ({"body": "", "nickname": "甲"}, 422, "empty"),
        ({"body": "   \n ", "nickname": "甲"}, 422, "empty"),
        ({"body": "好" * 251, "nickname": "甲"}, 422, "too_long"),
        ({"body": "你好"}, 422, "invalid_nickname"),  # anonymous without a nickname
        ({"body": "你好", "nickname": "<script>alert(1)</script>"}, 422, "invalid_nickname"),
        (
            {"body": "你好", "nickname": "甲", "contact": "<img src=x onerror=alert(1)>"},
            422,
            "invalid_characters",
        ),
        ({"body": "a\u0000b", "nickname": "甲"}, 422, "invalid_characters"),
        ({"body": "abc\u202edcba", "nickname": "甲"}, 422, "invalid_characters"),
        ({"body": 42, "nickname": "甲"}, 422, "invalid_input"),
        ({"nickname": "甲"}, 422, "invalid_input"),
        ({"body": "hi", "nickname": "甲", "admin": True}, 422, "invalid_input"),
        ({"body": "hi", "nickname": "甲", "parent_id": -1}, 422, "invalid_input"),
    ],
)
async def test_bad_submissions_are_refused(
    comments_app: CommentsDriver, payload: dict[str, object], status: int, error: str
) -> None:
    article = await comments_app.article()
    code, body = await _post_raw(comments_app, article, json.dumps(payload).encode())
    assert (code, body["error"]) == (status, error), body
    assert body["detail"]


async def test_invalid_utf8_lone_surrogates_and_broken_json(comments_app: CommentsDriver) -> None:
    article = await comments_app.article()
    code, body = await _post_raw(
        comments_app, article, b'{"body": "\xff\xfe bad", "nickname": "x"}'
    )
    assert (code, body["error"]) == (400, "invalid_encoding")
    code, body = await _post_raw(comments_app, article, b'{"body": "\\ud800", "nickname": "x"}')
    assert code == 422
    assert body["error"] in ("invalid_input", "invalid_characters")
    code, _ = await _post_raw(comments_app, article, b'{"body": ')
    assert code == 422


async def test_oversized_payloads_get_413(comments_app: CommentsDriver) -> None:
    article = await comments_app.article()
    code, body = await _post_raw(
        comments_app, article, json.dumps({"body": "x" * 20_000, "nickname": "甲"}).encode()
    )
    assert (code, body["error"]) == (413, "payload_too_large")


async def test_script_is_stored_and_returned_as_inert_text(comments_app: CommentsDriver) -> None:
    article = await comments_app.article(policy="post")
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    done = await comments_app.submit(article, attack, nickname="路人")
    assert (done["status"], done["reasons"]) == ("pending", ["markup"])  # never auto-published
    await comments_app.decide((done["id"], "approve", "harmless as text"))
    response = await comments_app.http.get(f"/api/v1/articles/{article}/comments")
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-content-type-options"] == "nosniff"
    body = response.json()["items"][0]["body"]
    assert body == attack  # byte for byte: plain text, not sanitised HTML
    rendered = html.escape(body)  # what any template must do; no tag survives
    assert "<" not in rendered
    assert ">" not in rendered


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/comments/counts", {"article_ids": "1,x"}),
        ("/api/v1/comments/counts", {"article_ids": ",".join(["1"] * 201)}),
        ("/api/v1/comments/counts", {}),
        ("/api/v1/articles/1/comments", {"cursor": "abc"}),
        ("/api/v1/articles/1/comments", {"limit": 0}),
        ("/api/v1/comments/latest", {"limit": 1000}),
        ("/api/v1/articles/0/comments", {}),
    ],
)
async def test_bad_reader_parameters_are_refused(
    comments_app: CommentsDriver, path: str, params: dict[str, object]
) -> None:
    response = await comments_app.http.get(path, params=params)
    assert response.status_code == 422, response.text


async def test_bad_desk_input_is_refused(comments_app: CommentsDriver) -> None:
    mod = comments_app.moderator
    http = comments_app.http
    assert (
        await http.post(
            "/api/v1/moderation/words", params={"list": "nope"}, json={"words": ["x"]}, headers=mod
        )
    ).status_code == 422
    assert (
        await http.post(
            "/api/v1/moderation/words",
            params={"list": "banned"},
            json={"words": ["!!!"]},
            headers=mod,
        )
    ).status_code == 422
    assert (
        await http.post(
            "/api/v1/moderation/words",
            params={"list": "banned"},
            json={"words": ["长" * 51]},
            headers=mod,
        )
    ).status_code == 422
    bad_bans = [
        {"subject_type": "user", "subject": "abc", "reason": "x"},
        {"subject_type": "user", "subject": "1", "kind": "suspend", "reason": "x"},
        {"subject_type": "user", "subject": "1", "reason": "x", "until": "2000-01-01T00:00:00Z"},
        {"subject_type": "team", "subject": "1", "reason": "x"},
    ]
    for ban in bad_bans:
        assert (
            await http.post("/api/v1/moderation/bans", json=ban, headers=mod)
        ).status_code == 422, ban
    assert (await http.post("/api/v1/moderation/claims", json={}, headers=mod)).status_code == 422
    assert (
        await http.delete(f"/api/v1/moderation/bans/{next_id()}", headers=mod)
    ).status_code == 404
