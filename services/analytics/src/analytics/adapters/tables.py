"""Postgres tables of the rollups (the durable copy of the live state)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from common.idempotency import processed_events_table
from common.outbox import outbox_table

metadata = MetaData()
_JSON = JSON().with_variant(JSONB(), "postgresql")


def _counter(name: str) -> Column[int]:
    return Column(name, BigInteger, nullable=False, server_default="0")


article_totals = Table(
    "article_totals",
    metadata,
    Column("article_id", BigInteger, primary_key=True, autoincrement=False),
    _counter("reads"),
    _counter("bots"),
    _counter("dups"),
    _counter("comments"),
    _counter("favourites"),
    _counter("recommends"),
    _counter("unique_visitors"),  # the HyperLogLog's estimate when rolled up
    Column("uniques_hll", LargeBinary, nullable=True),  # the HyperLogLog itself, restorable
    Column("meta", _JSON, nullable=True),  # title, slug, section path from article events
    Column("hidden", Boolean, nullable=False, server_default="false"),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

bucket_counts = Table(
    "bucket_counts",
    metadata,
    Column("signal", String(16), primary_key=True),  # reads, comments, favourites, recommends
    Column("granularity", String(1), primary_key=True),  # m, h, d
    Column("bucket", BigInteger, primary_key=True),  # buckets since the Unix epoch
    Column("article_id", BigInteger, primary_key=True, autoincrement=False),
    Column("bucket_start", DateTime(timezone=True), nullable=False),
    Column("count", BigInteger, nullable=False),
)

site_buckets = Table(
    "site_buckets",
    metadata,
    Column("granularity", String(1), primary_key=True),
    Column("bucket", BigInteger, primary_key=True),
    Column("bucket_start", DateTime(timezone=True), nullable=False),
    _counter("reads"),
    _counter("bots"),
    _counter("dups"),
)

day_uniques = Table(
    "day_uniques",
    metadata,
    Column("day", BigInteger, primary_key=True, autoincrement=False),
    Column("day_start", DateTime(timezone=True), nullable=False),
    _counter("unique_visitors"),
    Column("uniques_hll", LargeBinary, nullable=False),
)

consumed_offsets = Table(
    "consumed_offsets",
    metadata,
    Column("topic", String(255), primary_key=True),
    Column("partition", Integer, primary_key=True, autoincrement=False),
    Column("next_offset", BigInteger, nullable=False),
)

rollups = Table(
    "rollups",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("taken_at", DateTime(timezone=True), nullable=False),
    Column("articles", Integer, nullable=False),
    Column("keys", Integer, nullable=False),
    Column("duration_ms", Float, nullable=False),
)

outbox = outbox_table(metadata)
processed_events = processed_events_table(metadata)
