"""Alembic environment: migrate the articles schema named by the (freshly read) settings."""

from articles.adapters.tables import metadata
from articles.settings import get_settings
from common.migrations import run_migrations

get_settings.cache_clear()  # tests point ARTICLES_DB_SCHEMA at a unique schema before upgrading
run_migrations(get_settings(), metadata)
