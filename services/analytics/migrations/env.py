"""Alembic environment: migrate the analytics schema named by the (freshly read) settings."""

from analytics.adapters.tables import metadata
from analytics.settings import get_settings
from common.migrations import run_migrations

get_settings.cache_clear()  # tests point ANALYTICS_DB_SCHEMA at a unique schema before upgrading
run_migrations(get_settings(), metadata)
