"""The platform comes up and the gateway serves its pages."""

from __future__ import annotations

import httpx

from tests.conftest import Content
from tests.stack import Platform


def test_gateway_serves_the_article_page(platform: Platform, content: Content) -> None:
    page = httpx.get(f"{platform.gateway}/articles/{content.article_ids[0]}", timeout=10)
    assert page.status_code == 200
    assert "测试文章第1篇" in page.text
