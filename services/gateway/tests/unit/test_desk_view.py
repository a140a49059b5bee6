# ruff: noqa: RUF001 - Chinese UI text on purpose
"""The desk's view of the queue: marked text, Chinese messages, filters that persist."""

from __future__ import annotations

from starlette.requests import Request

from gateway.web.desk_queue import card, read_filters, segments
from gateway.web.desk_text import decision_message, reason_label, wait_text


def _request(query: str = "", cookie: str = "") -> Request:
    headers = [(b"cookie", cookie.encode())] if cookie else []
    scope = {"type": "http", "method": "GET", "path": "/moderation", "headers": headers}
    return Request({**scope, "query_string": query.encode()})


def test_segments_cut_the_body_at_its_marks() -> None:
    body = "听说有内幕消息，看 www.a.com"
    marks = [{"start": 3, "end": 7, "kind": "suspect"}, {"start": 10, "end": 19, "kind": "link"}]
    assert segments(body, marks) == [
        ("听说有", None, ""),
        ("内幕消息", "suspect", "可疑词"),
        ("，看 ", None, ""),
        ("www.a.com", "link", "链接"),
    ]
    assert segments("abc", [{"start": 1, "end": 99, "kind": "banned"}])[-1] == (
        "bc",
        "banned",
        "违禁词",
    )


def test_card_names_the_section_path_and_whose_claim_it_is() -> None:
    item = {
        "id": 5,
        "article_id": 9,
        "article_title": "标题",
        "section_path": [1, 2],
        "body": "好",
        "reasons": ["policy_pre"],
        "report_count": 2,
        "author": {"name": "甲", "anonymous": True, "client_id": "c0ffee", "user_id": None},
        "claim": {"moderator_id": 7, "moderator_name": "mod2"},
        "age_seconds": 200,
    }
    shown = card(item, {1: "新闻", 2: "国内"}, me=3)
    assert shown["section"] == "新闻 › 国内"
    assert shown["reasons"] == [("policy_pre", "栏目先审后发"), ("reported", "被读者举报 2 次")]
    assert (shown["ban_type"], shown["ban_subject"]) == ("client", "c0ffee")
    assert (shown["claim_mine"], shown["claim_name"], shown["wait"]) == (
        False,
        "mod2",
        "3 分 20 秒",
    )


def test_messages_are_chinese() -> None:
    results = [{"outcome": "applied"}, {"outcome": "applied"}, {"outcome": "claimed_by_other"}]
    assert decision_message("approve", results) == "已通过 2 条；1 条已被其他审核员认领"
    assert reason_label("disguised_link") == "含伪装链接"
    assert wait_text(None) == "无"
    assert wait_text(7300) == "2 小时 1 分"


def test_filters_come_from_the_form_then_from_the_cookie() -> None:
    sent = read_filters(_request("apply=1&article=12&min_wait=5&reason=link"))
    assert sent.changed
    assert sent.values == {"article": "12", "reason": "link", "min_wait": "5"}
    assert ("min_age", "300") in sent.api_params()
    assert sent.claim_payload() == {
        "status": "pending",
        "article": 12,
        "reason": "link",
        "min_age": 300,
    }
    remembered = read_filters(_request("flash=x", cookie="nr_desk=article:12|bogus"))
    assert (remembered.values, remembered.changed) == ({"article": "12"}, False)
    bad = read_filters(_request("apply=1&article=abc&status=all"))
    assert bad.values == {}
    assert bad.problems == ["状态只能是待审或被举报", "文章编号须为正整数"]
    assert read_filters(_request("clear=1", cookie="nr_desk=article:12|bogus")).values == {}
