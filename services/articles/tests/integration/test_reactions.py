"""Favourites need a login; recommends count once per user or visitor."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.gateway_trust import GATEWAY_SECRET_HEADER
from common.settings import DEV_GATEWAY_SECRET

from .conftest import ArticlesApi, bearer
from .test_workflow import outbox_types


def _visitor(client_id: str) -> dict[str, str]:
    """A visitor's id as the gateway sends it (with its secret)."""
    return {"X-Client-Id": client_id, GATEWAY_SECRET_HEADER: DEV_GATEWAY_SECRET}


async def test_favourites(
    api: ArticlesApi,
    articles_client: httpx.AsyncClient,
    articles_sessions: async_sessionmaker[AsyncSession],
) -> None:
    c = articles_client
    section = await api.section()
    aid = await api.published(section["id"])
    url = f"/api/v1/articles/{aid}/favourite"
    assert (await c.post(url)).status_code == 401
    alice, bob = bearer(11, "reader"), bearer(12, "reader")
    assert (await c.post(url, headers=alice)).json() == {
        "active": True,
        "changed": True,
        "count": 1,
    }
    assert (await c.post(url, headers=alice)).json() == {
        "active": True,
        "changed": False,
        "count": 1,
    }
    assert (await c.post(url, headers=bob)).json()["count"] == 2
    assert (await c.get(f"/api/v1/articles/{aid}", headers=alice)).json()["favourited"] is True
    assert (await c.get(f"/api/v1/articles/{aid}")).json()["favourited"] is None
    assert (await c.delete(url, headers=alice)).json() == {
        "active": False,
        "changed": True,
        "count": 1,
    }
    assert (await c.get(f"/api/v1/articles/{aid}", headers=alice)).json()["favourited"] is False
    assert (await c.get(f"/api/v1/articles/{aid}")).json()["favourite_count"] == 1
    types = await outbox_types(articles_sessions, aid)
    assert types.count("article.favourited") == 3


async def test_recommends_once_per_user_or_visitor(
    api: ArticlesApi,
    articles_client: httpx.AsyncClient,
    articles_sessions: async_sessionmaker[AsyncSession],
) -> None:
    c = articles_client
    section = await api.section()
    aid = await api.published(section["id"])
    url = f"/api/v1/articles/{aid}/recommend"
    assert (await c.post(url)).status_code == 422  # anonymous without a visitor id
    assert (await c.post(url, headers=_visitor("visitor-a"))).json()["count"] == 1
    again = await c.post(url, headers=_visitor("visitor-a"))
    assert again.json() == {"active": True, "changed": False, "count": 1}
    assert (await c.post(url, headers=_visitor("visitor-b"))).json()["count"] == 2
    user = bearer(21, "reader") | _visitor("visitor-a")
    assert (await c.post(url, headers=user)).json()["count"] == 3  # the user counts apart
    assert (await c.post(url, headers=user)).json()["changed"] is False
    assert (await c.get(f"/api/v1/articles/{aid}")).json()["recommend_count"] == 3
    assert (await outbox_types(articles_sessions, aid)).count("article.recommended") == 3
