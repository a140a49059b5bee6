# ruff: noqa: RUF001 - CJK text on purpose
"""Text rules: user-perceived length and what text is refused."""

from __future__ import annotations

import pytest

from comments.domain.errors import EmptyCommentError, InvalidNicknameError, InvalidTextError
from comments.domain.text import (
    LINK,
    MARKUP,
    clean_body,
    clean_contact,
    clean_nickname,
    grapheme_length,
)


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("你好", 2),
        ("abc", 3),
        ("👍🏽", 1),  # emoji with skin tone
        ("👨‍👩‍👧", 1),  # family: ZWJ sequence
        ("🇨🇳", 1),  # flag
        ("é", 1),  # e + combining accent
        ("한국어", 3),
    ],
)
def test_length_counts_user_perceived_characters(text: str, length: int) -> None:
    assert grapheme_length(text) == length


@pytest.mark.parametrize("body", ["", "   ", "\n\t", "\u200b"])
def test_empty_bodies_are_refused(body: str) -> None:
    with pytest.raises(EmptyCommentError):
        clean_body(body)


@pytest.mark.parametrize("body", ["a\x00b", "bell\x07", "evil\u202etxt", "\ud800"])
def test_control_bidi_and_surrogates_are_refused(body: str) -> None:
    with pytest.raises(InvalidTextError):
        clean_body(body)


def test_bodies_are_trimmed_and_newlines_kept() -> None:
    assert clean_body("  第一行\r\n第二行\n\n\n\n第三行  ") == "第一行\n第二行\n\n第三行"


@pytest.mark.parametrize(
    "nickname", ["<script>alert(1)</script>", "a&b", 'x"y', "", None, "a" * 33]
)
def test_bad_nicknames_are_refused(nickname: str | None) -> None:
    with pytest.raises(InvalidNicknameError):
        clean_nickname(nickname, max_length=32)


def test_good_nicknames_pass_and_full_width_is_folded() -> None:
    assert clean_nickname(" 路人甲 ", max_length=32) == "路人甲"
    assert clean_nickname("ＡＢＣ_1", max_length=32) == "ABC_1"


def test_contact_refuses_markup() -> None:
    assert clean_contact("a@b.cn") == "a@b.cn"
    assert clean_contact("  ") is None
    with pytest.raises(InvalidTextError):
        clean_contact("<img src=x>")


@pytest.mark.parametrize(
    "text", ["see https://x.cn/a", "www.spam.com", "加我 example.com", "访问 abc.cn"]
)
def test_links_are_detected(text: str) -> None:
    assert LINK.search(text)


@pytest.mark.parametrize(
    "text", ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "javascript:alert(1)"]
)
def test_markup_is_detected(text: str) -> None:
    assert MARKUP.search(text)


def test_plain_comparisons_are_not_links() -> None:
    assert not LINK.search("3.5 比 2.1 大")
