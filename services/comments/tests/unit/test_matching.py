# ruff: noqa: RUF001 - the cases are full-width and CJK text on purpose
"""Normalisation and word matching: evasions caught, innocent words not over-blocked."""

from __future__ import annotations

import pytest

from comments.domain.normalise import fingerprint, match_view, normalise_word
from comments.domain.wordlist import WordMatcher

BANNED = ["法轮功", "ass", "fuck", "傻逼", "打倒"]
SUSPECT = ["代开发票", "兼职"]
ALLOWED = ["魔法轮盘"]


@pytest.fixture(scope="module")
def matcher() -> WordMatcher:
    entries = [("banned", normalise_word(w)) for w in BANNED]
    entries += [("suspect", normalise_word(w)) for w in SUSPECT]
    entries += [("allow", normalise_word(w)) for w in ALLOWED]
    return WordMatcher.build(entries, version=1)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("我练法輪功", "法轮功"),  # traditional characters
        ("ＦＵＣＫ this", "fuck"),  # full-width letters
        ("Fuck", "fuck"),  # case
        ("f u c k", "fuck"),  # spaces between letters
        ("f.u.c.k!", "fuck"),  # punctuation between letters
        ("fu-ck off", "fuck"),  # a symbol inside the word
        ("f\u200bu\u200bck", "fuck"),  # zero-width spaces
        ("法 轮 功", "法轮功"),  # spaces between CJK characters
        ("法*轮*功", "法轮功"),  # symbols between CJK characters
        ("法，轮，功", "法轮功"),  # full-width commas between single characters
        ("傻😀逼", "傻逼"),  # emoji inserted
        ("你这个傻逼", "傻逼"),  # CJK inside a sentence, no spaces
        ("you ass!", "ass"),
        ("法\u0301轮功", "法轮功"),  # combining marks
        ("打倒", "打倒"),
    ],
)
def test_evasions_are_caught(matcher: WordMatcher, text: str, word: str) -> None:
    assert word in matcher.find(match_view(text)).banned


@pytest.mark.parametrize(
    "text",
    [
        "this class is great",  # ass inside class
        "an assassin story",  # ass at the start of a longer word
        "I pass. Assume nothing",  # across words, not aligned with their boundaries
        "我们要打。倒车了",  # 打倒 across a real sentence break
        "魔法轮盘很好玩",  # 法轮 region inside an allowed word
        "ASSESSMENT",
    ],
)
def test_innocent_words_are_not_over_blocked(matcher: WordMatcher, text: str) -> None:
    assert matcher.find(match_view(text)).banned == ()


def test_suspect_words_are_reported_separately(matcher: WordMatcher) -> None:
    hits = matcher.find(match_view("代開發票，兼職 日结"))
    assert hits.banned == ()
    assert set(hits.suspect) == {"代开发票", "兼职"}


def test_banned_wins_over_suspect_for_the_same_word() -> None:
    m = WordMatcher.build([("suspect", "spam"), ("banned", "spam")], version=1)
    assert m.find(match_view("spam")).banned == ("spam",)


def test_documented_trade_off_compounds_need_their_own_entry(matcher: WordMatcher) -> None:
    # a Latin word must be a whole word; "dumbass" is not caught through "ass"
    assert matcher.find(match_view("dumbass")).banned == ()


def test_near_same_texts_share_a_fingerprint() -> None:
    a, _ = fingerprint(match_view("SPAM offer 1!!!"), "x")
    b, _ = fingerprint(match_view("spam   offer 2"), "y")
    c, _ = fingerprint(match_view("顶顶顶！！"), "z")
    d, _ = fingerprint(match_view("顶 顶"), "w")
    assert a == b
    assert c == d
    assert a != c


def test_emoji_only_texts_are_fingerprinted_by_their_text() -> None:
    a, _ = fingerprint(match_view("👍👍"), "👍👍")
    b, _ = fingerprint(match_view("🎉"), "🎉")
    assert a != b


def test_a_10k_list_builds_and_matches() -> None:
    words = [("banned", f"词{i:05d}") for i in range(10_000)]
    m = WordMatcher.build(words, version=3)  # type: ignore[arg-type]
    assert m.find(match_view("这里有 词 0 4 2 0 7 呢")).banned == ("词04207",)


def test_mixed_script_words_need_boundaries_only_at_latin_edges() -> None:
    m = WordMatcher.build(
        [("banned", normalise_word("禁词ab")), ("banned", normalise_word("av女优"))], version=1
    )
    assert m.find(match_view("现在禁词ab不行")).banned == ("禁词ab",)
    assert m.find(match_view("现在禁词abc不行")).banned == ()  # "ab" runs on into "abc"
    assert m.find(match_view("看AV女优")).banned == ("av女优",)
    assert m.find(match_view("java女优")).banned == ()
