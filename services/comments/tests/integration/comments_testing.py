"""Helpers of the comments integration tests: isolated settings, tokens, a driver of the API."""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from redis.asyncio import Redis
from sqlalchemy import select

from comments.adapters.tables import outbox
from comments.context import CommentsContext
from comments.domain.replica import apply_article_event
from comments.settings import Settings
from common.auth import TokenIssuer
from common.db import drop_schema, transaction
from common.events import Envelope, EventData
from common.events.articles import ArticlePublished, SectionCommentSettings
from common.gateway_trust import GATEWAY_SECRET_HEADER
from common.migrations import migrate_schema
from common.settings import DEV_GATEWAY_SECRET, DEV_JWT_PRIVATE_KEY

ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"
_ids = itertools.count(int(time.time() * 1000) % 10**9)


def next_id() -> int:
    """A number no other test of this session uses (articles, users, sections)."""
    return next(_ids)


def fresh_settings(**overrides: Any) -> Settings:
    """Settings naming a new schema (migrated here), topic suffix and Redis prefix."""
    tag = uuid.uuid4().hex[:10]
    schema = f"comments_test_{tag}"
    migrate_schema(ALEMBIC_INI, schema)
    values: dict[str, Any] = {
        "env": "test",
        "db_schema": schema,
        "db_pool_size": 5,
        "topic_suffix": f".t{tag}",
        "topic_partitions": 2,
        "redis_prefix": f"comments-test-{tag}",
        "consumer_group": f"comments-articles-{tag}",
        "relay_poll_interval": 0.02,
    }
    return Settings.model_validate(values | overrides)


async def drop_env(settings: Settings) -> None:
    """Drop the schema and the Redis keys of an environment."""
    await drop_schema(settings)
    redis = Redis.from_url(settings.redis_url)
    keys = [k async for k in redis.scan_iter(match=f"{settings.redis_prefix}:*", count=1000)]
    if keys:
        await redis.delete(*keys)
    await redis.aclose()


_issuer = TokenIssuer(
    private_key=DEV_JWT_PRIVATE_KEY, issuer="newsroom", audience="newsroom", ttl=timedelta(hours=1)
)


def bearer(user_id: int, *roles: str, name: str | None = None) -> dict[str, str]:
    """The Authorization header of a user with roles."""
    token = _issuer.issue(user_id=user_id, username=name or f"user{user_id}", roles=list(roles))
    return {"Authorization": f"Bearer {token}"}


def client_header(client_id: str | None = None) -> dict[str, str]:
    """A fresh (or given) gateway client id, sent as the gateway sends it (with its secret)."""
    return {
        "X-Client-Id": client_id or f"client-{uuid.uuid4().hex[:16]}",
        GATEWAY_SECRET_HEADER: DEV_GATEWAY_SECRET,
    }


async def poll(check: Callable[[], Awaitable[Any]], *, within: float = 10.0) -> Any:
    """Await ``check`` until it returns something truthy, or fail after ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within}s")
        await asyncio.sleep(0.02)


@dataclass
class CommentsDriver:
    """The app in process plus direct access to its context."""

    http: httpx.AsyncClient
    ctx: CommentsContext
    moderator: dict[str, str]

    async def apply(self, payload: EventData, *, at: datetime | None = None) -> None:
        """Apply an articles event to the replica as the consumer would."""
        envelope = Envelope.wrap(payload, key="k", producer="articles", occurred_at=at)
        async with transaction(self.ctx.sessions) as session:
            await apply_article_event(session, envelope)

    async def article(
        self,
        *,
        policy: str = "post",
        open_: bool = True,
        max_length: int = 250,
        section_path: list[int] | None = None,
        title: str = "测试文章",
    ) -> int:
        """Publish a new article into the replica; returns its id."""
        article_id = next_id()
        path = section_path or [next_id()]
        settings = SectionCommentSettings(
            section_id=path[-1],
            comment_policy=policy,
            comments_open=open_,  # type: ignore[arg-type]
            comment_max_length=max_length,
        )
        await self.apply(
            ArticlePublished(
                article_id=article_id,
                section_id=path[-1],
                section_path=path,
                title=title,
                slug=f"a{article_id}",
                comments=settings,
            )
        )
        return article_id

    async def submit(
        self,
        article_id: int,
        body: str,
        *,
        user: int | None = None,
        roles: tuple[str, ...] = ("reader",),
        nickname: str | None = "路人",
        client: str | None = None,
        parent_id: int | None = None,
        expect: int = 202,
    ) -> dict[str, Any]:
        """Submit a comment and check the status code."""
        headers = client_header(client)
        if user is not None:
            headers |= bearer(user, *roles)
        payload: dict[str, Any] = {"body": body, "parent_id": parent_id}
        if user is None:
            payload["nickname"] = nickname
        response = await self.http.post(
            f"/api/v1/articles/{article_id}/comments", json=payload, headers=headers
        )
        assert response.status_code == expect, response.text
        result: dict[str, Any] = response.json()
        return result

    async def words(self, list_name: str, words: list[str]) -> None:
        """Add words to a list through the desk API."""
        response = await self.http.post(
            "/api/v1/moderation/words",
            params={"list": list_name},
            json={"words": words},
            headers=self.moderator,
        )
        assert response.status_code == 200, response.text

    async def decide(
        self, *decisions: tuple[int, str, str], who: dict[str, str] | None = None
    ) -> list[dict[str, Any]]:
        """Post decisions as a moderator; returns the results."""
        body = {
            "decisions": [{"comment_id": c, "decision": d, "reason": r} for c, d, r in decisions]
        }
        response = await self.http.post(
            "/api/v1/moderation/decisions", json=body, headers=who or self.moderator
        )
        assert response.status_code == 200, response.text
        results: list[dict[str, Any]] = response.json()["results"]
        return results

    async def outbox_events(self, comment_id: int) -> list[str]:
        """Event types recorded for a comment, in order."""
        async with self.ctx.sessions() as session:
            rows = await session.execute(
                select(outbox.c.event_type, outbox.c.envelope).order_by(outbox.c.id)
            )
        return [t for t, env in rows if env["data"].get("comment_id") == comment_id]


def now() -> datetime:
    """Aware UTC now."""
    return datetime.now(UTC)
