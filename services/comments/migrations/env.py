"""Alembic environment: the comments schema from settings (tests override it)."""

from comments.adapters.tables import metadata
from comments.settings import get_settings
from common.migrations import run_migrations

get_settings.cache_clear()  # read the environment now: tests migrate a unique schema
run_migrations(get_settings(), metadata)
