"""Alembic environment: migrate the analytics schema named by the (freshly read) settings."""

from analytics.adapters.tables import metadata
from analytics.settings import get_settings
from common.migrations import run_migrations

run_migrations(get_settings(), metadata)
