# ruff: noqa: RUF001 - Chinese text with full-width punctuation on purpose
"""The editor's pages through the gateway: who may use them, and every bad input a 4xx page
in Chinese (never a 500)."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest

from tests.conftest import Content, login
from tests.e2e.helpers import browser_login, client, csrf_of
from tests.stack import Platform

HTML = {"accept": "text/html"}


def _draft(base: str, section_id: int, title: str) -> tuple[int, int]:
    """A draft edited once: (article id, its first revision's number)."""
    with client(base, token=login(base, "editor")) as editor:
        made = editor.post(
            "/api/v1/articles",
            json={"section_id": section_id, "title": title, "body_html": "<p>初稿。</p>"},
        )
        made.raise_for_status()
        article_id = int(made.json()["id"])
        editor.patch(
            f"/api/v1/articles/{article_id}", json={"body_html": "<p>二稿。</p>"}
        ).raise_for_status()
    return article_id, 1


def _main_text(page: httpx.Response) -> str:
    match = re.search(r'<main id="main"[^>]*>(.*)</main>', page.text, re.S)
    assert match, page.text[:300]
    return re.sub(r"<[^>]+>", " ", match.group(1))


def _pages(article_id: int, section_id: int) -> list[str]:
    return [
        "/editor",
        "/editor/sections",
        f"/editor/sections/{section_id}",
        f"/editor/{article_id}",
        f"/editor/{article_id}/revisions",
    ]


def test_anonymous_editors_pages_send_to_login(platform: Platform, content: Content) -> None:
    article_id, _ = _draft(platform.gateway, content.subsection_id, "匿名访问测试")
    with client(platform.gateway) as gw:
        for path in _pages(article_id, content.section_id):
            response = gw.get(path, headers=HTML)
            assert response.status_code == 303, path
            assert response.headers["location"] == f"/login?next={path}"
        for path in ("/editor/sections", f"/editor/{article_id}/revisions/1/restore"):
            response = gw.post(path, data={"name": "匿名栏目"}, headers=HTML)
            assert response.status_code == 303, path
            assert response.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize("role", ["reader", "moderator"])
def test_other_roles_are_refused(platform: Platform, content: Content, role: str) -> None:
    base = platform.gateway
    article_id, first = _draft(base, content.subsection_id, f"{role}不能看的稿件")
    name = f"越权栏目{uuid.uuid4().hex[:6]}"
    with browser_login(base, role) as session:
        for path in _pages(article_id, content.section_id):
            page = session.get(path, headers=HTML)
            assert page.status_code == 403, (role, path)
            assert "您的账户无权访问此页面" in page.text
        token = csrf_of(session.get("/", headers=HTML).text)
        posts = {
            "/editor/sections": {"name": name},
            f"/editor/sections/{content.section_id}": {"name": name},
            f"/editor/{article_id}/revisions/{first}/restore": {},
        }
        for path, data in posts.items():
            answer = session.post(
                path, data={**data, "csrf_token": token}, headers={**HTML, "origin": base}
            )
            assert answer.status_code == 403, (role, path)
    tree = httpx.get(f"{base}/api/v1/sections", timeout=10).text
    assert name not in tree
    with client(base, token=login(base, "editor")) as editor:
        revisions = editor.get(f"/api/v1/articles/{article_id}/revisions").json()["items"]
    assert len(revisions) == 2  # nothing restored


def test_admin_uses_the_editors_pages(platform: Platform, content: Content) -> None:
    article_id, _ = _draft(platform.gateway, content.subsection_id, "管理员也能编辑")
    with browser_login(platform.gateway, "admin") as session:
        for path in _pages(article_id, content.section_id):
            assert session.get(path, headers=HTML).status_code == 200, path


def test_bad_addresses_answer_chinese_pages(platform: Platform, content: Content) -> None:
    base = platform.gateway
    article_id, _ = _draft(base, content.subsection_id, "错误地址测试")
    cases = [
        ("/editor?page=0", 422, "页码应为 1 到 1000 之间的整数"),
        ("/editor?page=abc", 422, "页码应为 1 到 1000 之间的整数"),
        ("/editor?page=1001", 422, "页码应为 1 到 1000 之间的整数"),
        ("/editor?page=-1", 422, "页码应为 1 到 1000 之间的整数"),
        ("/editor?page=999", 404, "最后一页是第"),
        ("/editor?status=deleted", 422, "没有这种文章状态"),
        ("/editor?status=%3Cb%3E", 422, "没有这种文章状态"),
        ("/editor?section=abc", 422, "栏目编号不正确"),
        ("/editor?section=2147483648", 422, "栏目编号不正确"),
        ("/editor?section=2147483000", 404, "要筛选的栏目不存在"),
        ("/editor/abc/revisions", 422, "文章编号"),
        ("/editor/9223372036854775807/revisions", 404, "文章不存在"),
        (f"/editor/{article_id}/revisions?rev=0", 422, "版本号应为正整数"),
        (f"/editor/{article_id}/revisions?rev=x", 422, "版本号应为正整数"),
        (f"/editor/{article_id}/revisions?rev=99", 404, "这篇文章没有版本 99"),
        ("/editor/9223372036854775807", 404, "文章不存在"),
        ("/editor/sections/abc", 422, "栏目编号"),
        ("/editor/sections/2147483648", 422, "栏目编号"),
        ("/editor/sections/2147483000", 404, "要修改的栏目不存在"),
    ]
    with browser_login(base, "editor") as session:
        for path, status, words in cases:
            page = session.get(path, headers=HTML)
            assert page.status_code == status, (path, page.status_code)
            assert page.headers["content-type"].startswith("text/html"), path
            assert words in _main_text(page), (path, _main_text(page)[:300])


def test_bad_forms_answer_chinese_messages(platform: Platform, content: Content) -> None:
    base = platform.gateway
    article_id, _ = _draft(base, content.subsection_id, "错误表单测试")
    with client(base, token=login(base, "editor")) as api:
        parent = api.post("/api/v1/sections", json={"name": f"表单父{uuid.uuid4().hex[:6]}"})
        parent.raise_for_status()
        child = api.post(
            "/api/v1/sections", json={"name": "表单子", "parent_id": parent.json()["id"]}
        )
        child.raise_for_status()
    parent_id, child_id = parent.json()["id"], child.json()["id"]
    with browser_login(base, "editor") as session:
        token = csrf_of(session.get("/editor/sections", headers=HTML).text)
        post = {"headers": {**HTML, "origin": base}}

        def form(**fields: str) -> dict[str, str]:
            blank = {"name": "栏目", "parent_id": "", "position": "0", "description": ""}
            blank |= {"comment_policy": "", "comments_open": "", "comment_max_length": ""}
            return {**blank, **fields, "csrf_token": token}

        cases = [
            ("/editor/sections", form(name="  "), 422, "栏目名称不能为空"),
            ("/editor/sections", form(comment_max_length="abc"), 422, "评论字数上限应为整数"),
            (
                "/editor/sections",
                form(comment_max_length="5000"),
                422,
                "评论字数上限应在 1 到 2000",
            ),
            ("/editor/sections", form(comment_policy="never"), 422, "请选择一种评论审核方式"),
            (
                "/editor/sections",
                form(parent_id="2147483000"),
                422,
                "上级栏目不存在，请刷新后重新选择",
            ),
            (
                f"/editor/sections/{parent_id}",
                form(name="表单父", parent_id=str(child_id)),
                422,
                "不能把栏目移到它自己或它的下级栏目之下",
            ),
            ("/editor/sections/2147483000", form(), 404, "栏目不存在"),
            (
                f"/editor/{article_id}/workflow",
                {"action": "archive", "csrf_token": token},
                409,
                "文章当前为「草稿」，不能归档",
            ),
            (
                f"/editor/{article_id}/workflow",
                {"action": "schedule", "publish_at": "明天", "csrf_token": token},
                422,
                "定时发布时间",
            ),
            (
                f"/editor/{article_id}/revisions/99/restore",
                {"csrf_token": token},
                404,
                "这个版本不存在",
            ),
        ]
        for path, data, status, words in cases:
            answer = session.post(path, data=data, **post)
            assert answer.status_code == status, (path, data, answer.status_code)
            assert words in _main_text(answer), (path, _main_text(answer)[:400])
        # typed values are kept on a refused form
        refused = session.post(
            "/editor/sections", data=form(name="留下的名字", comment_max_length="x"), **post
        )
        assert 'value="留下的名字"' in refused.text
        # forms without the session's token, or from another site, are refused
        no_token = session.post(f"/editor/{article_id}/revisions/1/restore", **post)
        cross = session.post(
            "/editor/sections",
            data=form(name="跨站栏目"),
            headers={**HTML, "origin": "https://evil.example"},
        )
        assert (no_token.status_code, cross.status_code) == (403, 403)
        assert "页面已过期" in _main_text(no_token)
    assert "跨站栏目" not in httpx.get(f"{base}/api/v1/sections", timeout=10).text


def test_revisions_show_stored_html_as_text(platform: Platform, content: Content) -> None:
    base = platform.gateway
    article_id, first = _draft(base, content.subsection_id, "修订记录转义测试")
    with browser_login(base, "editor") as session:
        page = session.get(f"/editor/{article_id}/revisions?rev={first}", headers=HTML)
    assert page.status_code == 200
    diff = page.text[page.text.index('id="diff"') :]
    assert "&lt;p&gt;<del>初</del>稿。&lt;/p&gt;" in diff
    assert "&lt;p&gt;<ins>二</ins>稿。&lt;/p&gt;" in diff
    assert "<p>初稿" not in diff
    assert "<p>二稿" not in diff
    rows = re.findall(r'<tr id="rev-(\d+)"', page.text)
    assert rows == ["2", "1"]  # newest first
    assert page.text.count(">editor</td>") == 2  # who saved each
