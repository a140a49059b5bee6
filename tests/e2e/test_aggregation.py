"""The article assembled from three services: API answer and the portal page."""

from __future__ import annotations

from tests.conftest import Content
from tests.e2e.helpers import client, poll
from tests.stack import Platform


def test_article_api_combines_article_reads_and_comment_count(
    platform: Platform, content: Content
) -> None:
    first, middle = content.article_ids[0], content.article_ids[1]
    with client(platform.gateway) as gw:
        body = gw.get(f"/api/v1/articles/{middle}").json()
    assert body["id"] == middle
    assert [c["name"] for c in body["breadcrumbs"]] == ["测试新闻", "国内"]
    assert body["previous"]["id"] == first
    assert body["next"]["id"] == content.article_ids[2]
    assert isinstance(body["reads"], int)
    assert isinstance(body["comment_count"], int)
    assert body["unavailable"] == []


def test_read_count_rises_with_reads(platform: Platform, content: Content) -> None:
    article = content.article_ids[2]
    with client(platform.gateway) as gw:
        before = gw.get(f"/api/v1/articles/{article}").json()["reads"]
    for n in range(5):
        with client(platform.gateway, ua=f"Mozilla/5.0 reader-{n} Chrome/131.0") as reader:
            assert reader.get(f"/articles/{article}").status_code == 200

    def risen() -> int | None:
        with client(platform.gateway) as gw:
            reads = int(gw.get(f"/api/v1/articles/{article}").json()["reads"])
        return reads if reads >= before + 5 else None

    poll(risen, timeout=10)


def test_article_page_looks_like_a_portal_article(platform: Platform, content: Content) -> None:
    middle = content.article_ids[1]
    with client(platform.gateway) as gw:
        html = gw.get(f"/articles/{middle}").text
        printable = gw.get(f"/articles/{middle}/print").text
    for text in (
        "首页",
        "测试新闻",
        "国内",
        "正文",
        "来源：新闻中心",  # noqa: RUF001 - the page text
        "作者：记者 王小明",  # noqa: RUF001 - the page text
        "发布时间",
        "阅读次数",
        "收藏",
        "推荐",
        "打印",
        "返回顶部",
        "上一篇",
        "下一篇",
        "需审核后才会公布",  # the seed sections pre-moderate every comment
        "热门文章",
        "相关文章",
        "最新评论",
        "昵称",
    ):
        assert text in html, text
    assert "城市更新是一项系统工程" in printable
    assert "/static/css/print.css" in printable
