"""Gateway settings: upstreams, token keys, cookies, cache and rate limits."""

from __future__ import annotations

import uuid
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from common.settings import DEV_JWT_PRIVATE_KEY, ServiceSettings

DEV_CSRF_SECRET = "dev-only-csrf-secret-change-me"  # noqa: S105 - the known default prod refuses


class Settings(ServiceSettings):
    """Everything the gateway reads from the environment (``GATEWAY_`` then ``NEWSROOM_``)."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    service_name: str = "gateway"
    db_schema: str = "gateway"
    port: int = 8000

    # upstreams come from configuration only; no request can choose a destination
    articles_url: str = "http://127.0.0.1:8001"
    comments_url: str = "http://127.0.0.1:8002"
    analytics_url: str = "http://127.0.0.1:8003"
    upstream_timeout: float = Field(default=2.0, gt=0)
    upstream_connect_timeout: float = Field(default=0.5, gt=0)
    upstream_retries: int = Field(default=1, ge=0)  # idempotent methods only
    part_timeout: float = Field(default=0.4, gt=0)  # per optional part of an aggregated page
    breaker_failures: int = Field(default=5, ge=1)
    breaker_reset_seconds: float = Field(default=5.0, gt=0)

    jwt_private_key: str = DEV_JWT_PRIVATE_KEY
    access_ttl_seconds: int = Field(default=900, ge=30)
    refresh_ttl_seconds: int = Field(default=30 * 24 * 3600, ge=60)
    csrf_secret: str = DEV_CSRF_SECRET
    cookie_secure: bool = False

    redis_prefix: str = "gw"
    cache_local_entries: int = Field(default=2000, ge=10)
    cache_fresh_seconds: float = Field(default=30.0, gt=0)
    cache_stale_seconds: float = Field(default=300.0, ge=0)
    cache_count_fresh_seconds: float = Field(default=2.0, gt=0)  # pages showing read counts
    cache_enabled: bool = True  # off: every request assembles from the upstreams (benchmarks)
    consumer_group: str = Field(default_factory=lambda: f"gateway-{uuid.uuid4().hex[:12]}")
    invalidation_enabled: bool = True
    # the ops page's charts and alerts of the last hour (make up's Prometheus); off when unset
    prometheus_url: str | None = None
    # the ops pages' traces (Jaeger's query API, make up's Jaeger); off when unset
    jaeger_url: str | None = None

    rate_read_per_minute: int = Field(default=1200, ge=1)
    rate_write_per_minute: int = Field(default=60, ge=1)
    rate_comment_per_minute: int = Field(default=6, ge=1)
    rate_login_per_minute: int = Field(default=10, ge=1)
    # wrong passwords delay the client that sent them, doubling up to a cap; failures from
    # every client together delay, more loosely, only devices the account never logged in from
    login_free_failures: int = Field(default=3, ge=1)
    login_max_delay_seconds: int = Field(default=900, ge=1)
    login_account_free_failures: int = Field(default=20, ge=1)
    login_account_max_delay_seconds: int = Field(default=60, ge=1)

    # where each gateway process journals the reads it answered (one file per port), so
    # a killed process re-sends them on restart; unset: reads live only in memory
    view_journal_dir: Path | None = None
    # reads held in memory until Kafka has them; past it they wait on disk only (journal)
    read_memory_limit: int = Field(default=50_000, ge=2000)
    read_journal_budget_bytes: int = Field(default=256 << 20, ge=4 << 20)  # past it: dropped

    max_body_bytes: int = Field(default=256 * 1024, ge=1024)
    trust_forwarded_for: bool = False  # only behind a proxy that sets X-Forwarded-For

    def secrets_with_defaults(self) -> list[tuple[str, Any, Any]]:
        """The shared secrets plus the signing key and the CSRF secret."""
        return [
            *super().secrets_with_defaults(),
            ("jwt_private_key", self.jwt_private_key, DEV_JWT_PRIVATE_KEY),
            ("csrf_secret", self.csrf_secret, DEV_CSRF_SECRET),
        ]

    def upstream_urls(self) -> dict[str, str]:
        """Base URL of every upstream by name."""
        return {
            "articles": self.articles_url,
            "comments": self.comments_url,
            "analytics": self.analytics_url,
        }


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The gateway settings, read once per process."""
    return Settings()
