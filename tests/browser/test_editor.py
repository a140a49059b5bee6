# ruff: noqa: RUF001 - Chinese text with full-width punctuation on purpose
"""An editor's working session: sections, an article written and edited twice, its revisions
and their diff, a restore, the list paged and filtered."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.helpers import api, login_page
from tests.conftest import BROWSER_UA
from tests.stack import Platform

pytestmark = pytest.mark.browser
FIRST_BODY = (
    "<p>老城区的改造从一条小巷开始。</p><p>居民代表参与了方案讨论。</p><p>工程预计明年完工。</p>"
)
SECOND_BODY = (
    "<p>老城区的改造从三条小巷开始。</p><p>居民代表参与了方案讨论。</p><p>工程预计明年完工。</p>"
)
THIRD_BODY = SECOND_BODY + "<p>记者将持续关注。</p>"


def _section_form(page: Page, name: str, *, parent: str = "", policy: str = "") -> None:
    form = page.locator("form.section-form")
    form.locator("#name").fill(name)
    if parent:
        form.locator("#parent_id").select_option(label=parent)
    if policy:
        form.locator("#comment_policy").select_option(policy)


def _id_in(url: str, pattern: str) -> int:
    match = re.search(pattern, url)
    assert match, url
    return int(match.group(1))


def test_an_editors_session(platform: Platform, browser: Browser, screenshots: Path) -> None:
    base = platform.gateway
    tag = uuid.uuid4().hex[:4]
    desk_name, city_name = f"编辑部{tag}", f"城建{tag}"
    context = browser.new_context(user_agent=BROWSER_UA, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    login_page(page, base, "editor", "/editor")
    expect(page.locator("main h1")).to_have_text("编辑台")

    # sections: create a root and a child, rename the child, set its comment policy, move it
    page.click("text=栏目管理")
    expect(page.locator("main h1")).to_have_text("栏目管理")
    _section_form(page, desk_name, policy="pre")
    page.click("form.section-form button[type=submit]")
    expect(page.locator(".flash")).to_have_text("栏目已创建。")
    desk_id = _id_in(page.url, r"#section-(\d+)$")
    expect(page.locator(f"#section-{desk_id} > .node .policy")).to_have_text("评论：先审后发")
    _section_form(page, f"城市{tag}", parent=desk_name)
    page.click("form.section-form button[type=submit]")
    city_id = _id_in(page.url, r"#section-(\d+)$")
    child = page.locator(f"#section-{desk_id} #section-{city_id} > .node")
    expect(child.locator(".policy")).to_have_text("评论：先审后发（继承）")
    child.locator("a:has-text('修改')").click()
    expect(page.locator("main h1")).to_contain_text(f"{desk_name} › 城市{tag}")
    page.fill("#name", city_name)
    page.select_option("#comment_policy", "post")
    page.click("form.section-form button[type=submit]")
    expect(page.locator(".flash")).to_have_text("栏目已保存。")
    child = page.locator(f"#section-{desk_id} #section-{city_id} > .node")
    expect(child.locator(".node-name")).to_have_text(city_name)
    expect(child.locator(".policy")).to_have_text("评论：先发后审")
    # a section never moves below itself: its own subtree is not offered as a parent
    page.click(f"#section-{desk_id} > .node a:has-text('修改')")
    options = page.locator("#parent_id option").all_inner_texts()
    assert not any(city_name in o or desk_name in o for o in options), options
    page.goto(f"{base}/editor/sections")
    page.click(f"#section-{city_id} > .node a:has-text('修改')")
    page.select_option("#parent_id", "")  # to the top level
    page.click("form.section-form button[type=submit]")
    expect(page.locator(f"#section-{desk_id} #section-{city_id}")).to_have_count(0)
    top_level = page.locator(f".sections-layout > div > ul.section-tree > li#section-{city_id}")
    expect(top_level).to_have_count(1)
    page.click(f"#section-{city_id} > .node a:has-text('修改')")
    page.select_option("#parent_id", label=desk_name)  # and back below the desk
    page.click("form.section-form button[type=submit]")
    expect(page.locator(f"#section-{desk_id} #section-{city_id}")).to_have_count(1)
    page.screenshot(path=str(screenshots / "editor-sections.png"), full_page=True)

    # an article: written, then edited twice
    page.goto(f"{base}/editor/new")
    page.select_option("#section_id", str(city_id))
    page.fill("#title", "老城区改造启动")
    page.fill("#author", "记者 陈静")
    page.fill("#body_html", FIRST_BODY)
    page.click("form.editor-form button[type=submit]")
    expect(page.locator(".flash")).to_have_text("草稿已创建。")
    expect(page.locator("main h1 .status")).to_have_text("草稿")
    article_id = _id_in(page.url, r"/editor/(\d+)")
    page.fill("#body_html", SECOND_BODY)
    page.click("form.editor-form button[type=submit]")
    expect(page.locator(".flash")).to_have_text("已保存。")
    page.fill("#title", "老城区改造全面启动")
    page.fill("#body_html", THIRD_BODY)
    page.click("form.editor-form button[type=submit]")
    expect(page.locator(".flash")).to_have_text("已保存。")
    page.click("button[value=archive]")  # a refused transition is explained on the form
    expect(page.locator(".flash.error")).to_have_text("文章当前为「草稿」，不能归档。")

    # revisions, newest first, with who and when; the diff of the first against the current
    page.click("a:has-text('修订记录')")
    assert page.url.endswith(f"/editor/{article_id}/revisions")
    rows = page.locator("table.revisions tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("版本 3")
    expect(rows.nth(0)).to_contain_text("当前")
    expect(rows.nth(2)).to_contain_text("版本 1")
    expect(rows.nth(2)).to_contain_text("新建")
    for n in range(3):
        expect(rows.nth(n).locator(".who")).to_have_text("editor")
        expect(rows.nth(n).locator("time")).to_have_text(
            re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
        )
    rows.nth(2).locator("a:has-text('与当前对比')").click()
    expect(page.locator("#diff")).to_have_text("版本 1 与当前版本（版本 3）的差异")
    body = page.locator(".diff-field[data-field=body_html]")
    expect(body.locator("li.removed del")).to_have_text("一")
    expect(body.locator("li.added ins").first).to_have_text("三")
    expect(body.locator("li.added").last).to_have_text("+<p>记者将持续关注。</p>")  # markup as text
    expect(body.locator("ol.diff p, ol.diff script")).to_have_count(0)  # never rendered as elements
    title = page.locator(".diff-field[data-field=title]")
    expect(title.locator("li.added ins")).to_have_text("全面")
    expect(page.locator(".diff-field[data-field=author]")).to_have_count(0)  # unchanged
    page.screenshot(path=str(screenshots / "editor-revision-diff.png"), full_page=True)

    # restore the first revision: it becomes the current text, kept as revision 4
    rows.nth(2).locator("button:has-text('恢复此版本')").click()
    expect(page.locator(".flash")).to_have_text("已恢复版本 1，并保存为新的版本。")
    expect(rows).to_have_count(4)
    expect(rows.nth(0)).to_contain_text("恢复自版本 1")
    rows.nth(3).locator("button:has-text('恢复此版本')").click()  # revision 1 is the text now
    expect(page.locator(".flash")).to_have_text("版本 1 与当前内容相同，无需恢复。")
    expect(rows).to_have_count(4)
    page.click(".editor-links a:has-text('编辑文章')")
    expect(page.locator("#title")).to_have_value("老城区改造启动")
    expect(page.locator("#body_html")).to_have_value(FIRST_BODY)
    page.click("button[value=publish]")
    expect(page.locator(".flash")).to_have_text("已发布，读者现在可以看到这篇文章。")
    expect(page.locator("main h1 .status")).to_have_text("已发布")

    # 22 more drafts in the section: the list pages and filters
    with api(base, "editor") as editor:
        for n in range(22):
            editor.post(
                "/api/v1/articles",
                json={"section_id": city_id, "title": f"社区走访记录 第{n + 1}篇"},
            ).raise_for_status()
    page.goto(f"{base}/editor")
    page.select_option("#filter-section", str(desk_id))
    page.click("form.editor-filter button[type=submit]")
    expect(page.locator(".list-summary")).to_contain_text(f"栏目「{desk_name}」（含下级栏目）")
    expect(page.locator(".list-summary")).to_contain_text("共 23 篇，第 1 / 2 页")
    table = page.locator("table.editor-list tbody tr")
    expect(table).to_have_count(20)
    expect(table.first.locator(".col-section")).to_have_text(f"{desk_name} › {city_name}")
    expect(table.first.locator(".col-status")).to_have_text("草稿")
    page.screenshot(path=str(screenshots / "editor-list.png"), full_page=True)
    page.click(".editor-pager a:has-text('2')")
    assert page.url.endswith(f"/editor?section={desk_id}&page=2")
    expect(table).to_have_count(3)
    expect(page.locator(".editor-pager .current")).to_have_text("2")
    expect(page.locator("table.editor-list", has_text="老城区改造启动")).to_have_count(1)
    page.click(".editor-pager a:has-text('上一页')")
    expect(table).to_have_count(20)
    page.click(".tabs a:has-text('已发布')")  # the status tab keeps the section
    assert page.url.endswith(f"/editor?status=published&section={desk_id}")
    expect(table).to_have_count(1)
    expect(table.first.locator(".col-title")).to_have_text("老城区改造启动")
    expect(table.first.locator(".col-status")).to_have_text("已发布")
    page.click(".tabs a:has-text('草稿')")
    expect(page.locator(".list-summary")).to_contain_text("共 22 篇，第 1 / 2 页")
    page.click("a:has-text('清除筛选')")
    assert page.url.endswith("/editor")
    page.goto(f"{base}/editor?page=0")
    expect(page.locator("main h1")).to_have_text("页码有误")
    expect(page.locator("main")).to_contain_text("页码应为 1 到 1000 之间的整数。")
    context.close()
