"""Settings shared by every service.

Each service subclasses :class:`ServiceSettings` with its own env prefix
(``ARTICLES_``, ``COMMENTS_``...). Shared infrastructure values may also be
given once for all services with the ``NEWSROOM_`` prefix; a service-prefixed
variable wins over the shared one.
"""

from __future__ import annotations

from importlib import resources
from typing import Any, ClassVar, Literal, Self

from pydantic import Field, model_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

Environment = Literal["dev", "test", "prod"]


def _dev_key(name: str) -> str:
    return resources.files("common.dev_keys").joinpath(name).read_text()


DEV_JWT_PUBLIC_KEY = _dev_key("dev_jwt_public.pem")
DEV_JWT_PRIVATE_KEY = _dev_key("dev_jwt_private.pem")
DEV_GATEWAY_SECRET = "dev-only-gateway-secret-change-me"  # noqa: S105 - the default prod refuses


class DefaultSecretError(ValueError):
    """A secret still has its development default outside development."""


class ServiceSettings(BaseSettings):
    """Infrastructure settings every service needs."""

    model_config = SettingsConfigDict(env_prefix="NEWSROOM_", extra="ignore")
    shared_prefix: ClassVar[str] = "NEWSROOM_"

    env: Environment = "dev"
    service_name: str = "newsroom"
    host: str = "127.0.0.1"
    port: int = 8000

    database_url: str = "postgresql+asyncpg://newsroom:newsroom@127.0.0.1:15432/newsroom"
    db_schema: str = "public"
    db_pool_size: int = 10
    db_pool_timeout: float = 5.0  # seconds a request waits for a pooled connection (then 503)
    redis_url: str = "redis://127.0.0.1:16379/0"
    redis_cluster_nodes: str = ""  # "host:port,...": a Redis Cluster (the URL gives options)

    kafka_bootstrap: str = "127.0.0.1:19092"
    topic_suffix: str = ""  # tests isolate their topics with a unique suffix
    topic_partitions: int = 6
    # 3 and 2 on a replicated cluster: an acks=all write then survives losing one broker
    topic_replication_factor: int = Field(default=1, ge=1)
    topic_min_insync_replicas: int = Field(default=1, ge=1)

    jwt_public_key: str = DEV_JWT_PUBLIC_KEY
    jwt_issuer: str = "newsroom"
    jwt_audience: str = "newsroom"
    # services accept identity headers (X-Client-Id) only with this secret: from the gateway
    gateway_secret: str = DEV_GATEWAY_SECRET
    revocation_prefix: str = "auth"  # Redis keys of revoked tokens, shared by every service

    tracing: bool = True  # false: no spans at all (nothing instrumented or exported); metrics stay
    # the share of traces recorded where they start (the gateway, a consumer's own work);
    # downstream spans follow the caller's decision, so a trace is whole or absent
    trace_sample_ratio: float = Field(default=1.0, ge=0.0, le=1.0)
    otel_endpoint: str | None = None
    otel_span_file: str | None = None  # JSON lines of finished spans, for tests and local runs

    # Prometheus scrapes /metrics here (every process: HTTP apps and consumer processes);
    # loopback like every other port unless a deployment says otherwise (compose: 0.0.0.0)
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    metrics_host: str = "127.0.0.1"

    relay_in_process: bool = True
    # relays wake at each commit that records an event; this is only their fallback check
    relay_poll_interval: float = Field(default=1.0, gt=0)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Service prefix first, then the shared ``NEWSROOM_`` prefix."""
        shared = EnvSettingsSource(settings_cls, env_prefix=cls.shared_prefix)
        return (init_settings, env_settings, shared, dotenv_settings, file_secret_settings)

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> Self:
        if self.env == "prod":
            for name, value, default in self.secrets_with_defaults():
                if value == default:
                    raise DefaultSecretError(f"{name} must be set to a real secret when env=prod")
        return self

    def secrets_with_defaults(self) -> list[tuple[str, Any, Any]]:
        """(name, value, development default) of every secret; prod refuses the defaults."""
        return [
            ("jwt_public_key", self.jwt_public_key, DEV_JWT_PUBLIC_KEY),
            ("gateway_secret", self.gateway_secret, DEV_GATEWAY_SECRET),
        ]

    def topic(self, name: str) -> str:
        """The physical topic name for a logical topic."""
        return f"{name}{self.topic_suffix}"
