"""The section tree: paths, subtrees, inherited comment settings, cycles refused."""

from __future__ import annotations

import pytest

from articles.domain.sections import Section, SectionTree
from common.errors import InvalidInputError, NotFoundError


def tree() -> SectionTree:
    return SectionTree.of(
        [
            Section(1, None, "home", "首页", comment_policy="pre"),
            Section(2, 1, "news", "新闻中心", position=1, comment_policy="first"),
            Section(3, 2, "domestic", "国内新闻", comment_max_length=200),
            Section(4, 2, "world", "国际新闻", position=-1, comments_open=False),
            Section(5, 1, "tech", "科技", position=0, comment_policy="post"),
        ]
    )


def test_path_is_root_first() -> None:
    assert [s.name for s in tree().path(3)] == ["首页", "新闻中心", "国内新闻"]


def test_children_in_display_order_and_subtree() -> None:
    t = tree()
    assert [c.id for c in t.children[1]] == [5, 2]
    assert [c.id for c in t.children[2]] == [4, 3]
    assert t.subtree_ids(2) == [2, 4, 3]


def test_nearest_setting_wins() -> None:
    t = tree()
    domestic = t.effective(3)
    assert (domestic.comment_policy, domestic.comments_open, domestic.comment_max_length) == (
        "first",
        True,
        200,
    )
    world = t.effective(4)
    assert (world.comment_policy, world.comments_open, world.comment_max_length) == (
        "first",
        False,
        250,
    )
    assert t.effective(5).comment_policy == "post"


def test_unset_everywhere_falls_back_to_pre_moderation() -> None:
    lonely = SectionTree.of([Section(9, None, "x", "x")])
    assert lonely.effective(9).comment_policy == "pre"


def test_parent_checks() -> None:
    t = tree()
    with pytest.raises(InvalidInputError, match="below itself"):
        t.check_parent(2, 3)
    with pytest.raises(InvalidInputError, match="does not exist"):
        t.check_parent(2, 99)
    t.check_parent(3, 5)
    with pytest.raises(NotFoundError):
        t.path(42)
