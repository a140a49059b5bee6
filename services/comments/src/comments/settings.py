"""Settings of the comments service (env prefix ``COMMENTS_``)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from common.settings import ServiceSettings


class Settings(ServiceSettings):
    """Comments service settings; infrastructure defaults come from :class:`ServiceSettings`."""

    model_config = SettingsConfigDict(env_prefix="COMMENTS_", extra="ignore")

    service_name: str = "comments"
    db_schema: str = "comments"
    port: int = 8002
    redis_prefix: str = "comments"  # tests isolate their Redis keys with a unique prefix
    max_body_bytes: int = 16 * 1024
    max_word_list_bytes: int = 2 * 1024 * 1024
    consumer_group: str = "comments-articles"

    default_max_length: int = Field(default=250, ge=1)
    nickname_max_length: int = Field(default=32, ge=1)

    rate_user_per_minute: int = 5
    rate_user_per_hour: int = 60
    rate_client_per_minute: int = 10
    rate_client_per_hour: int = 120

    duplicate_window_seconds: int = 3600
    flood_window_seconds: int = 600
    flood_threshold: int = 3  # more authors than this posting the same text = flood
    flood_min_length: int = 6  # "顶" or "+1" from many readers is not a flood

    trust_window_days: int = 90
    trust_min_approved: int = 3
    trust_max_rejection_rate: float = 0.1
    review_min_decided: int = 3
    review_rejection_rate: float = 0.5

    claim_ttl_seconds: int = Field(default=300, ge=5)
    claim_max_ttl_seconds: int = 3600


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
