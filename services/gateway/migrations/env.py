"""Alembic environment of the gateway: its own schema from settings."""

from common.migrations import run_migrations
from gateway.adapters.tables import metadata
from gateway.settings import Settings

# fresh settings every run so tests can point at a unique schema through the environment
run_migrations(Settings(), metadata)
