"""Settings of the articles service (env prefix ``ARTICLES_``)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from common.settings import ServiceSettings


class Settings(ServiceSettings):
    """What the articles service needs beyond the shared infrastructure settings."""

    model_config = SettingsConfigDict(env_prefix="ARTICLES_", extra="ignore")

    service_name: str = "articles"
    db_schema: str = "articles"
    port: int = 8001

    public_base_url: str = "http://127.0.0.1:8000"  # where readers open pages (feeds, sitemap)
    scheduler_interval: float = Field(default=1.0, gt=0)
    scheduler_batch: int = Field(default=100, ge=1)
    feed_size: int = Field(default=30, ge=1, le=200)
    max_body_bytes: int = Field(default=512 * 1024, ge=1024)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process, read once."""
    return Settings()
