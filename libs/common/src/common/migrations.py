"""Alembic glue shared by every service: its own schema, its own version table, async engine."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from common.settings import ServiceSettings


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


async def _run(settings: ServiceSettings, metadata: MetaData) -> None:
    engine = create_async_engine(settings.database_url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_migrate, metadata, settings.db_schema)
    finally:
        await engine.dispose()


def run_migrations(settings: ServiceSettings, metadata: MetaData) -> None:
    """Entry point for a service's ``migrations/env.py`` (online mode only).

    The schema comes from settings and is first on the search path, so migration scripts
    and table definitions name no schema, and tests can migrate a fresh, unique schema.
    """
    if context.is_offline_mode():
        raise RuntimeError("offline migrations are not supported; run against a database")
    asyncio.run(_run(settings, metadata))
