"""Alembic environment: migrate the articles schema named by the (freshly read) settings."""

from articles.adapters.tables import metadata
from articles.settings import get_settings
from common.migrations import run_migrations

run_migrations(get_settings(), metadata)
