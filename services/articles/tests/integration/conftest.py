"""Real Postgres and Kafka: a unique schema and topic suffix per test session."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from articles.main import create_app
from articles.settings import Settings
from common.auth import TokenIssuer
from common.db import create_engine, drop_schema, session_factory
from common.events import ARTICLES_TOPIC
from common.kafka.admin import ensure_topics
from common.migrations import migrate_schema
from common.settings import DEV_JWT_PRIVATE_KEY

ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"


def migrate(schema: str) -> None:
    """Create and migrate ``schema`` (call outside the event loop: alembic runs its own)."""
    migrate_schema(ALEMBIC_INI, schema)


@pytest.fixture(scope="session")
def articles_settings() -> Iterator[Settings]:
    """Settings naming a fresh schema (migrated here) and fresh topics."""
    tag = uuid.uuid4().hex[:10]
    schema = f"articles_test_{tag}"
    migrate(schema)
    settings = Settings(
        db_schema=schema, topic_suffix=f".t{tag}", relay_poll_interval=0.02, env="test"
    )
    yield settings
    asyncio.run(drop_schema(settings))


@pytest.fixture(scope="session")
async def articles_topics(articles_settings: Settings) -> Settings:
    """The test session's articles topic exists."""
    await ensure_topics(articles_settings, [ARTICLES_TOPIC], partitions=3)
    return articles_settings


@pytest.fixture(scope="session")
async def articles_engine(articles_settings: Settings) -> AsyncIterator[AsyncEngine]:
    """An engine on the test schema for direct domain calls and checks."""
    engine = create_engine(articles_settings)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def articles_sessions(articles_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions on the test schema."""
    return session_factory(articles_engine)


@pytest.fixture(scope="session")
async def articles_client(articles_topics: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app in process (lifespan running: relay included), driven over ASGI."""
    app = create_app(articles_topics)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://articles") as client:
            yield client


def _issuer() -> TokenIssuer:
    return TokenIssuer(
        private_key=DEV_JWT_PRIVATE_KEY,
        issuer="newsroom",
        audience="newsroom",
        ttl=timedelta(minutes=30),
    )


def bearer(user_id: int, *roles: str) -> dict[str, str]:
    """Authorization header of a user with roles."""
    token = _issuer().issue(user_id=user_id, username=f"user{user_id}", roles=list(roles))
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="session")
def editor_headers() -> dict[str, str]:
    """An editor's Authorization header."""
    return bearer(900, "editor")


@pytest.fixture(scope="session")
def reader_headers() -> dict[str, str]:
    """A reader's Authorization header."""
    return bearer(901, "reader")


class ArticlesApi:
    """Short-hands over the HTTP API for tests (each test makes its own sections)."""

    def __init__(self, client: httpx.AsyncClient, editor: dict[str, str]) -> None:
        self.client = client
        self.editor = editor

    async def section(self, name: str | None = None, **fields: object) -> dict[str, object]:
        """A new section; unique slug unless given."""
        body = {"name": name or "栏目", "slug": f"s-{uuid.uuid4().hex[:12]}", **fields}
        r = await self.client.post("/api/v1/sections", json=body, headers=self.editor)
        assert r.status_code == 201, r.text
        return dict(r.json())

    async def draft(self, section_id: object, title: str = "测试文章", **fields: object) -> int:
        """A new draft's id."""
        body = {"section_id": section_id, "title": title, "body_html": "<p>正文</p>", **fields}
        r = await self.client.post("/api/v1/articles", json=body, headers=self.editor)
        assert r.status_code == 201, r.text
        return int(r.json()["id"])

    async def act(self, article_id: int, action: str, **body: object) -> httpx.Response:
        """POST a workflow action."""
        return await self.client.post(
            f"/api/v1/articles/{article_id}/{action}", json=body or None, headers=self.editor
        )

    async def published(self, section_id: object, title: str = "测试文章", **fields: object) -> int:
        """A new published article's id."""
        article_id = await self.draft(section_id, title, **fields)
        r = await self.act(article_id, "publish")
        assert r.status_code == 200, r.text
        return article_id


@pytest.fixture(scope="session")
def api(articles_client: httpx.AsyncClient, editor_headers: dict[str, str]) -> ArticlesApi:
    """Test short-hands over the running app."""
    return ArticlesApi(articles_client, editor_headers)


def soon(*, days: float = 0, seconds: float = 0, tz: str = "Z") -> str:
    """An ISO time ``days``/``seconds`` from now (UTC, or shifted into ``tz`` like +08:00)."""
    at = datetime.now(UTC) + timedelta(days=days, seconds=seconds)
    if tz == "Z":
        return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    sign = 1 if tz[0] == "+" else -1
    offset = timedelta(hours=int(tz[1:3]), minutes=int(tz[4:6])) * sign
    return at.astimezone(timezone(offset)).isoformat()
