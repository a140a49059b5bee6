"""Alembic glue shared by every service: its own schema, its own version table, async engine."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from common.settings import ServiceSettings

SCHEMA_ATTRIBUTE = "newsroom_schema"


def _not_version_table(name: str | None, type_: str, parent_names: object) -> bool:
    # autogenerate would otherwise propose dropping alembic's own table in the schema
    return not (type_ == "table" and name == "alembic_version")


def _migrate(connection: Connection, metadata: MetaData, schema: str) -> None:
    connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    connection.execute(text(f'SET search_path TO "{schema}", public'))
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table_schema=schema,
        include_schemas=False,
        compare_type=True,
        include_name=_not_version_table,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run(database_url: str, metadata: MetaData, schema: str) -> None:
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_migrate, metadata, schema)
    finally:
        await engine.dispose()


def run_migrations(settings: ServiceSettings, metadata: MetaData) -> None:
    """Entry point for a service's ``migrations/env.py`` (online mode only).

    The schema is the settings' one unless :func:`migrate_schema` names another; it is
    first on the search path, so migration scripts and table definitions name no schema.
    """
    if context.is_offline_mode():
        raise RuntimeError("offline migrations are not supported; run against a database")
    schema = context.config.attributes.get(SCHEMA_ATTRIBUTE) or settings.db_schema
    asyncio.run(_run(settings.database_url, metadata, schema))


def migrate_schema(alembic_ini: Path, schema: str) -> None:
    """Create ``schema`` and migrate it to head (tests and benchmarks: a fresh, unique one).

    Call it outside a running event loop: the migration runs its own.
    """
    config = Config(str(alembic_ini))
    config.attributes[SCHEMA_ATTRIBUTE] = schema
    command.upgrade(config, "head")
