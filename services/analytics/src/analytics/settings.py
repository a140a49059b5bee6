"""Settings of the analytics service (env prefix ``ANALYTICS_``)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from common.settings import ServiceSettings

DEFAULT_BOT_PATTERNS = [
    r"bot\b",
    r"bot/",
    r"crawl",
    r"spider",
    r"slurp",
    r"scrap",
    r"headless",
    r"phantomjs",
    r"curl/",
    r"wget/",
    r"python-requests",
    r"python-httpx",
    r"aiohttp",
    r"go-http-client",
    r"java/",
    r"okhttp",
    r"libwww",
    r"httpclient",
    r"facebookexternalhit",
    r"preview",
    r"monitor",
    r"uptime",
    # scripted HTTP clients: nobody reads the news through them
    r"axios",
    r"postmanruntime",
    r"node-fetch",
    r"undici",
    r"insomnia",
    r"httpie",
    r"guzzlehttp",
    r"reqwest",
    r"dart:io",
    r"python-urllib",
    r"python/",
    r"libcurl",
    r"\bgot\b",
    r"superagent",
    r"ruby",
    r"php/",
    r"deno/",
    r"\bbun/",
    r"k6/",
    r"apachebench",
    r"\bwrk\b",
    r"\bhey/",
    r"jmeter",
    r"locust",
    r"gatling",
    r"restsharp",
    r"faraday",
    r"winhttp",
    r"powershell",
    r"mechanize",
    r"lwp::",
    r"java-http-client",
]


class Settings(ServiceSettings):
    """What the analytics service needs beyond the shared infrastructure settings."""

    model_config = SettingsConfigDict(env_prefix="ANALYTICS_", extra="ignore")

    service_name: str = "analytics"
    db_schema: str = "analytics"
    port: int = 8003

    redis_prefix: str = "analytics:"  # every key of the live state starts with it
    views_group: str = "analytics-views"
    events_group: str = "analytics-events"
    consumer_max_records: int = Field(default=200, ge=1)
    views_per_call: int = Field(default=10_000, ge=1)  # views applied by one script call

    # counting rules
    dedup_window_seconds: int = Field(default=1800, ge=1)
    bot_ua_patterns: list[str] = Field(default_factory=lambda: list(DEFAULT_BOT_PATTERNS))
    bot_empty_ua_score: float = Field(default=1.0, ge=0)  # every browser sends one
    bot_reads_per_minute: int = Field(default=30, ge=1)  # more distinct reads: behaves as a bot
    bot_score_threshold: float = Field(default=1.0, gt=0)
    # one address (an IPv6 /64) adds at most this many anonymous visitors per window; the
    # next ones' reads count as repeats (see the README's counting rules)
    address_new_visitors: int = Field(default=6, ge=1)
    address_window_seconds: int = Field(default=600, ge=60, multiple_of=60)
    # ... and at most this many signed-in accounts (an office's colleagues; not an account farm)
    address_new_accounts: int = Field(default=60, ge=1)
    applied_ttl_seconds: int = Field(default=7 * 24 * 3600, ge=60)

    # hot ranking: signal weights and decay constants per window
    weight_reads: float = 1.0
    weight_comments: float = 5.0
    weight_favourites: float = 3.0
    weight_recommends: float = 4.0
    tau_1h_seconds: float = Field(default=1200, gt=0)
    tau_24h_seconds: float = Field(default=6 * 3600, gt=0)
    tau_7d_seconds: float = Field(default=2 * 86400, gt=0)
    hot_cache_seconds: float = Field(default=5.0, ge=0)

    # durability
    rollup_interval_seconds: float = Field(default=30.0, ge=0)  # 0: no periodic rollups
    restore_lookback_seconds: int = Field(default=2400, ge=0)  # replayed to prime dedup state
    restore_wait_seconds: float = Field(default=60.0, ge=0)  # for a consumer group to empty

    lag_cache_seconds: float = Field(default=2.0, ge=0)

    def topic_groups(self) -> dict[str, str]:
        """Each physical topic consumed, with the consumer group that consumes it."""
        from common.events import ARTICLES_TOPIC, COMMENTS_TOPIC, VIEWS_TOPIC

        return {
            self.topic(VIEWS_TOPIC): self.views_group,
            self.topic(ARTICLES_TOPIC): self.events_group,
            self.topic(COMMENTS_TOPIC): self.events_group,
        }


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process, read once."""
    return Settings()
