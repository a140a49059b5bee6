# ruff: noqa: RUF001 - the cases are full-width and CJK text on purpose
"""Disguised links and low-content spam: what the pipeline holds or rejects, and where marks go."""

from __future__ import annotations

from dataclasses import replace

import pytest

from comments.domain.content import content_shape
from comments.domain.marks import Mark, link_kinds, link_marks, merged, word_marks
from comments.domain.model import ArticleState, AuthorHistory, TrustRules
from comments.domain.normalise import match_view
from comments.domain.pipeline import Submission, run_pipeline
from comments.domain.text import grapheme_length
from comments.domain.wordlist import WordHits

CLEAN = Submission(
    length=10,
    article=ArticleState(
        article_id=1,
        status="published",
        section_id=2,
        section_path=(1, 2),
        title="t",
        policy="post",
        comments_open=True,
        max_length=250,
    ),
    default_max_length=250,
    ban=None,
    rate_limited=None,
    duplicate=False,
    flood=False,
    words=WordHits(),
    has_link=False,
    has_markup=False,
    anonymous=False,
    history=AuthorHistory(0, 0, False),
    rules=TrustRules(),
)


def _shape(body: str) -> str:
    return content_shape(letters=match_view(body).text, length=grapheme_length(body))


@pytest.mark.parametrize(
    ("body", "kinds"),
    [
        ("访问ｗｗｗ．ｅｘａｍｐｌｅ．ｃｏｍ领取", {"disguised_link"}),
        ("加群 example 。com 有福利", {"disguised_link"}),
        ("ｈｔｔｐｓ：／／ｘ．ｃｎ/a", {"disguised_link"}),
        ("abc点com", {"disguised_link"}),
        ("看 www.abc.com 好", {"link"}),
        ("加群abc.com领取", {"link"}),
        ("一点也不好，说得对。Come on!", set()),
        ("城市更新要听取居民意见", set()),
    ],
)
def test_links_as_written_and_disguised(body: str, kinds: set[str]) -> None:
    assert set(link_kinds(body)) == kinds


def test_disguised_link_mark_covers_the_original_characters() -> None:
    body = "访问ｗｗｗ．ｅｘａｍｐｌｅ．ｃｏｍ领取"
    (mark,) = merged(link_marks(body))
    assert body[mark.start : mark.end] == "ｗｗｗ．ｅｘａｍｐｌｅ．ｃｏｍ"


def test_word_marks_find_spaced_and_traditional_spellings() -> None:
    body = "他说 法 輪-功 好，法轮功"
    marks = word_marks(body, banned=("法轮功",), suspect=())
    assert [body[m.start : m.end] for m in marks] == ["法 輪-功", "法轮功"]


def test_merged_keeps_the_stronger_kind_of_overlapping_marks() -> None:
    marks = [Mark(0, 4, "suspect"), Mark(2, 6, "banned"), Mark(8, 9, "link")]
    assert merged(marks) == [Mark(0, 6, "banned"), Mark(8, 9, "link")]


@pytest.mark.parametrize(
    ("body", "shape"),
    [
        ("顶" * 20, "repeated_character"),
        ("顶 " * 20, "repeated_character"),
        ("ＤＤＤＤＤＤＤＤＤＤ", "repeated_character"),
        ("好文章" + "顶" * 12, "low_content"),
        ("哈呵" * 6, "low_content"),
        ("！" * 12, "low_content"),
        ("👍" * 12, "low_content"),
        ("顶顶顶", "ok"),
        ("哈哈哈哈，这篇写得真好", "ok"),
        ("城市更新要听取居民意见 👍🏽", "ok"),
    ],
)
def test_low_content_shapes(body: str, shape: str) -> None:
    assert _shape(body) == shape


def test_pipeline_rejects_repeats_and_holds_filler_and_disguised_links() -> None:
    repeated = run_pipeline(replace(CLEAN, content="repeated_character"))
    assert (repeated.status, repeated.reasons) == ("rejected", ["repeated_character"])
    filler = run_pipeline(replace(CLEAN, content="low_content"))
    assert (filler.status, filler.reasons) == ("pending", ["low_content"])
    disguised = run_pipeline(replace(CLEAN, disguised_link=True, has_link=True))
    assert (disguised.status, disguised.reasons) == ("pending", ["disguised_link"])
