"""Reads compiled once and run on the driver answer what SQLAlchemy's execute answers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    any_,
    bindparam,
    func,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.ext.asyncio import AsyncEngine

from common.db import Query, reading

meta = MetaData()
things = Table(
    "driver_query_things",
    meta,
    Column("id", BigInteger, primary_key=True),
    Column("status", String(16), nullable=False),
    Column("tags", ARRAY(String), nullable=False),
    Column("extra", JSONB, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)
VISIBLE = any_(bindparam("visible", ["shown", "kept"], type_=ARRAY(String)))
# values written into the statement ("shown", the list) and the caller's parameters mixed
LISTED = (
    select(things.c.id, things.c.status, things.c.tags, things.c.extra, things.c.at)
    .where(
        things.c.id == any_(bindparam("ids", type_=ARRAY(BigInteger))),
        things.c.status == VISIBLE,
        things.c.id > bindparam("after"),
    )
    .order_by(things.c.id)
    .limit(bindparam("limit", type_=Integer))
)
AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.fixture
async def filled(engine: AsyncEngine) -> AsyncEngine:
    async with engine.begin() as conn:
        await conn.run_sync(meta.drop_all)
        await conn.run_sync(meta.create_all)
        await conn.execute(
            things.insert(),
            [
                {"id": n, "status": s, "tags": ["新闻", str(n)], "extra": {"n": n}, "at": AT}
                for n, s in enumerate(["shown", "hidden", "kept", "shown", "shown"], start=1)
            ],
        )
    return engine


async def test_a_query_answers_the_rows_sqlalchemy_answers(filled: AsyncEngine) -> None:
    params = {"ids": [1, 2, 3, 4, 5, 99], "after": 1, "limit": 3}
    async with reading(filled) as conn:
        expected = (await conn.execute(LISTED, params)).all()
        rows = await Query(LISTED).rows(conn, params)
    assert [tuple(r) for r in rows] == [tuple(r) for r in expected]
    assert [r.id for r in rows] == [3, 4, 5], "hidden is left out; 'after' and 'limit' hold"
    first = rows[0]
    assert (first.status, first.tags, first.extra, first.at) == (
        "kept",
        ["新闻", "3"],
        {"n": 3},
        AT,
    )
    assert first._mapping["tags"] == first["tags"] == first.tags, "SQLAlchemy's row manners"
    with pytest.raises(AttributeError):
        _ = first.nothing


async def test_a_text_query_binds_a_name_used_twice_once(filled: AsyncEngine) -> None:
    twice = Query(text("SELECT count(*) AS n FROM driver_query_things WHERE id >= :n AND id <= :n"))
    async with reading(filled) as conn:
        row = await twice.first(conn, {"n": 2})
        none = await Query(select(things.c.id).where(things.c.id == -1)).first(conn)
        counted = await Query(select(func.count()).select_from(things)).one(conn)
        with pytest.raises(ValueError, match="unpack"):
            await Query(select(things.c.id)).one(conn)  # five rows: not one
    assert row is not None
    assert row.n == 1
    assert none is None
    assert counted[0] == 5


def test_a_query_refuses_lists_that_expand_per_call_and_names_a_missing_parameter() -> None:
    with pytest.raises(ValueError, match="expanding"):
        Query(select(things.c.id).where(things.c.status.in_(["shown", "kept"])))
    with pytest.raises(TypeError, match=":limit"):
        Query(LISTED).arguments({"ids": [1], "after": 0})
    assert Query(select(func.count()).select_from(things)).arguments({}) == []
