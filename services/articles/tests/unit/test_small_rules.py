"""Slugs, cursors and content rules."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from articles.domain.content import ArticleContent, validate_content
from articles.domain.cursor import Cursor, rank_cursor, time_cursor
from articles.domain.slugs import article_slug, id_from_slug, slug_base
from common.errors import InvalidInputError


def test_slugs_are_readable_pinyin_with_the_id() -> None:
    assert article_slug("学习型组织建设", 42) == "xue-xi-xing-zu-zhi-jian-she-42"
    assert article_slug("2024年 GDP 增长", 7) == "2024-nian-gdp-zeng-zhang-7"
    assert article_slug("!!!", 3) == "article-3"
    assert len(slug_base("长" * 100)) <= 60
    assert id_from_slug("xue-xi-42") == 42
    assert id_from_slug("no-id") is None


def test_cursors_round_trip_and_reject_garbage() -> None:
    at = datetime(2025, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    assert time_cursor(Cursor(at, 9).encode()) == Cursor(at, 9)
    assert rank_cursor(Cursor(0.5, 3).encode()) == Cursor(0.5, 3)
    for bad in ("x", "WyJ4IiwxXQ", Cursor(0.5, 3).encode()):
        with pytest.raises(InvalidInputError, match="cursor"):
            time_cursor(bad)
    with pytest.raises(InvalidInputError, match="cursor"):
        rank_cursor(Cursor(at, 1).encode())


def test_content_is_normalised_and_summarised() -> None:
    valid = validate_content(
        ArticleContent(
            title="  标题  有  空格 ",
            body_html="<p>" + "正文内容。" * 50 + "</p>",
            tags=("一", "一", " 二 ", ""),
        )
    )
    assert valid.content.title == "标题 有 空格"
    assert valid.content.tags == ("一", "二")
    assert valid.content.summary.endswith("…")
    assert len(valid.content.summary) == 121


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (ArticleContent(title=""), "title"),
        (ArticleContent(title="x" * 201), "title"),
        (ArticleContent(title="t", author="a" * 101), "author"),
        (ArticleContent(title="t", tags=tuple(str(i) for i in range(11))), "tags"),
        (ArticleContent(title="t", cover_image_url="ftp://x/y.png"), "cover_image_url"),
    ],
)
def test_content_rules(content: ArticleContent, reason: str) -> None:
    with pytest.raises(InvalidInputError, match=reason):
        validate_content(content)


def test_unknown_fields_refused() -> None:
    with pytest.raises(InvalidInputError, match="unknown"):
        ArticleContent(title="t").changed(colour="red")
