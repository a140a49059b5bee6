# ruff: noqa: RUF001 - Chinese text with full-width punctuation on purpose
"""The editor's pure parts: the revision diff, refusals in Chinese, page links, the tree."""

from __future__ import annotations

from gateway.web.editor import list_url, page_links, whole_number
from gateway.web.editor_common import flatten
from gateway.web.editor_diff import body_lines, compare, diff_lines
from gateway.web.editor_revisions import note_text
from gateway.web.editor_text import explain, flash_text


def test_body_is_cut_by_paragraph_and_changed_characters_are_marked() -> None:
    assert body_lines("<p>一</p><p>二</p>\n<h2>三</h2>四<br>五") == [
        "<p>一</p>",
        "<p>二</p>",
        "<h2>三</h2>",
        "四<br>",
        "五",
    ]
    hunks = diff_lines(["<p>城市更新是系统工程。</p>"], ["<p>城市更新是长期工程。</p>"])
    assert len(hunks) == 1
    removed, added = hunks[0]
    assert (removed.sign, added.sign) == ("-", "+")
    assert [t for t, marked in removed.pieces if marked] == ["系统"]
    assert [t for t, marked in added.pieces if marked] == ["长期"]
    assert "".join(t for t, _ in added.pieces) == "<p>城市更新是长期工程。</p>"


def test_hunks_keep_two_lines_of_context() -> None:
    old = [f"<p>第{i}段</p>" for i in range(10)]
    new = [*old[:5], "<p>新加的一段</p>", *old[5:]]
    (hunk,) = diff_lines(old, new)
    assert [line.sign for line in hunk] == [" ", " ", "+", " ", " "]


def test_compare_lists_only_what_changed_and_keeps_html_as_text() -> None:
    revision = {
        "title": "旧标题",
        "body_html": "<p>甲</p><p>乙</p>",
        "tags": ["城市"],
        "section_id": 1,
    }
    current = {
        "title": "新标题",
        "body_html": "<p>甲</p><p><script>x</script></p>",
        "tags": ["城市"],
        "section_id": 2,
    }
    diffs = {d.name: d for d in compare(revision, current, {1: "国内", 2: "国内 › 城市"})}
    assert [n for n, d in diffs.items() if d.changed] == ["title", "section", "body_html"]
    added = [line for hunk in diffs["body_html"].hunks for line in hunk if line.sign == "+"]
    assert (
        "".join(t for t, _ in added[0].pieces) == "<p><script>x</script></p>"
    )  # text, escaped by the template
    section_lines = [line for hunk in diffs["section"].hunks for line in hunk]
    assert "".join(t for t, _ in section_lines[-1].pieces) == "国内 › 城市"


def test_refusals_are_told_in_chinese() -> None:
    transition = {"detail": "cannot archive an article that is draft (allowed from: published)"}
    assert explain(409, transition) == "文章当前为「草稿」，不能归档。"
    assert explain(422, {"detail": "title: must not be empty"}) == "标题不能为空。"
    assert "正文" in explain(422, {"detail": "body_html: script content is not allowed"})
    problems = {
        "detail": "x",
        "problems": [{"field": "body.publish_at", "reason": "Input should be a valid datetime"}],
    }
    assert explain(422, problems) == "定时发布时间格式不正确，请选择日期和时间。"
    assert (
        explain(409, {"detail": "slug: section slug 'a' is already used"})
        == "栏目别名已被其他栏目使用，请换一个。"
    )
    assert explain(422, {"detail": "parent_id: a section cannot move below itself"}) == (
        "不能把栏目移到它自己或它的下级栏目之下。"
    )
    assert explain(422, {"detail": "section_id: section 9 does not exist"}) == (
        "栏目不存在，请刷新后重新选择。"
    )
    assert (
        explain(404, {"detail": "article 5 has no revision 9"}) == "这个版本不存在，可能地址有误。"
    )
    assert "暂时不可用" in explain(503, {})
    assert explain(422, {"detail": "something new"}) == "提交的内容不符合要求，请检查后重试。"


def test_flash_codes_never_echo_the_address() -> None:
    assert flash_text("publish").startswith("已发布")
    assert flash_text("restored-3") == "已恢复版本 3，并保存为新的版本。"
    assert flash_text("<b>hi</b>") == ""
    assert flash_text("restored-x") == ""
    assert flash_text("same-1") == "版本 1 与当前内容相同，无需恢复。"
    assert flash_text("same-") == ""


def test_page_numbers_and_links() -> None:
    assert whole_number(None, high=1000) == 0
    assert whole_number("3", high=1000) == 3
    for bad in ("0", "-1", "1001", "abc", "３", "1e3", "99999999999"):
        assert whole_number(bad, high=1000) is None, bad
    assert page_links(1, 1) == [1]
    assert page_links(5, 10) == [1, 0, 3, 4, 5, 6, 7, 0, 10]
    assert page_links(2, 4) == [1, 2, 3, 4]
    assert list_url("draft", 7, 2) == "/editor?status=draft&section=7&page=2"
    assert list_url() == "/editor"


def test_tree_paths_and_subtrees() -> None:
    nodes = [
        {"id": 1, "name": "国内", "children": [{"id": 2, "name": "城市", "children": []}]},
        {"id": 3, "name": "国际", "children": []},
    ]
    entries = flatten(nodes)
    assert [(e.id, e.path, e.depth) for e in entries] == [
        (1, "国内", 0),
        (2, "国内 › 城市", 1),
        (3, "国际", 0),
    ]
    assert entries[0].descendants == {1, 2}
    assert entries[1].indented == "　城市"
    assert note_text("created") == "新建"
    assert note_text("restored revision 2") == "恢复自版本 2"
    assert note_text("edited") == "修改"
