"""Alembic environment: the comments schema from settings (tests override it)."""

from comments.adapters.tables import metadata
from comments.settings import get_settings
from common.migrations import run_migrations

run_migrations(get_settings(), metadata)
