"""Segmented search documents and queries; highlighting that never breaks HTML."""
# ruff: noqa: RUF001 - Chinese text is written with full-width punctuation

from __future__ import annotations

import pytest

from articles.domain.search_text import _quote, highlight, parse_query, search_document, snippet
from articles.domain.segmentation import keywords, segment
from common.errors import InvalidInputError


def test_document_keeps_inner_words_with_weights_and_positions() -> None:
    doc = search_document(title="学习型组织", summary="", body="中华人民共和国")
    assert "'学习型组织':1A" in doc
    assert "'学习':1A" in doc
    assert "'组织':1A" in doc
    assert "'人民':4C" in doc  # each field border (here an empty summary too) leaves a gap


def test_document_keeps_each_character_of_a_word_for_one_character_searches() -> None:
    doc = search_document(title="独坐幽篁里", summary="", body="")
    assert "'幽篁':2A" in doc
    assert "'篁':2A" in doc  # at its word's position
    assert "'的'" not in search_document(title="我的城市", summary="", body="")  # stop words not
    assert parse_query("篁").tsquery == "'篁'"


def test_a_query_of_stop_words_only_has_its_own_code() -> None:
    with pytest.raises(InvalidInputError) as refused:
        parse_query("的 了")
    assert refused.value.code == "no_search_words"
    assert refused.value.status_code == 422


def test_terms_are_quoted_for_the_tsvector_literal() -> None:
    assert _quote("o'neil") == "'o''neil'"
    assert _quote("a\\b") == "'a\\\\b'"


def test_query_words_match_whole_or_through_inner_words() -> None:
    q = parse_query("学习型组织 建设")
    assert q.tsquery == "('学习型组织' | ('学习' & '组织')) & '建设'"
    assert q.words == ("学习型组织", "建设")
    assert q.terms[0] == "学习型组织"  # longest first, for highlighting


def test_query_folds_traditional_and_full_width() -> None:
    assert parse_query("學習").words == ("学习",)
    assert parse_query("ＰｏｓｔｇｒｅＳＱＬ").tsquery == "'postgresql':*"


@pytest.mark.parametrize("raw", ["", "   ", "，。！", "的 了", "长" * 101])
def test_unsearchable_queries_are_refused(raw: str) -> None:
    with pytest.raises(InvalidInputError, match="q:"):
        parse_query(raw)


def test_highlight_escapes_everything_but_the_marks() -> None:
    assert highlight("<b>学习</b> & 学习", ("学习",)) == (
        "&lt;b&gt;<mark>学习</mark>&lt;/b&gt; &amp; <mark>学习</mark>"
    )


def test_snippet_centres_on_the_matches() -> None:
    text = "无关内容。" * 40 + "这里谈到乡村振兴的做法。" + "结尾。" * 40
    cut = snippet(text, ("乡村振兴",), width=40)
    assert cut.startswith("…")
    assert cut.endswith("…")
    assert "<mark>乡村振兴</mark>" in cut


def test_segment_skips_punctuation_and_stopwords() -> None:
    words = [w.text for w in segment("我们的城市，更新了！")]
    assert "，" not in words
    assert "的" not in words


def test_keywords_are_deterministic() -> None:
    text = "新能源汽车产业链加快布局，动力电池回收体系逐步完善。新能源汽车销量增长。"
    assert keywords(text) == keywords(text)
    assert keywords(text)[0] == "新能源汽车"
