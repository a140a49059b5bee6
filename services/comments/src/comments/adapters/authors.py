"""Authors' records for the desk: how many comments, how they were decided, reports, bans."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, String, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection

from comments.adapters.tables import bans, comments
from common.db import Query

c = comments.c


@dataclass(frozen=True, slots=True)
class AuthorRecord:
    """One author's history (a user by id; an anonymous reader by the gateway's client id)."""

    comments: int = 0
    approved: int = 0
    rejected: int = 0
    pending: int = 0
    reports: int = 0
    bans: int = 0
    banned_now: bool = False


def author_key(row: Any) -> str:
    """``u:<user id>`` for users, ``c:<client id>`` for anonymous readers."""
    m = row._mapping
    return f"u:{m['user_id']}" if m["user_id"] is not None else f"c:{m['client_id']}"


def _counts() -> tuple[Any, ...]:
    return (
        func.count(),
        func.count().filter(c.status == "approved"),
        func.count().filter(c.status == "rejected"),
        func.count().filter(c.status == "pending"),
        func.coalesce(func.sum(c.report_count), 0),
    )


def _by_user() -> Any:
    user_ids = bindparam("user_ids", type_=ARRAY(BigInteger))
    return select(c.user_id, *_counts()).where(c.user_id == any_(user_ids)).group_by(c.user_id)


def _by_client() -> Any:
    client_ids = bindparam("client_ids", type_=ARRAY(String))
    return (
        select(c.client_id, *_counts())
        .where(c.user_id.is_(None), c.client_id == any_(client_ids))
        .group_by(c.client_id)
    )


def _bans() -> Any:
    b = bans.c
    live = (b.lifted_at.is_(None)) & ((b.until.is_(None)) | (b.until > func.now()))
    subjects = bindparam("subjects", type_=ARRAY(String))
    return (
        select(b.subject_type, b.subject, func.count(), func.bool_or(live))
        .where(b.subject == any_(subjects))
        .group_by(b.subject_type, b.subject)
    )


# compiled once, run on the driver (common.db.Query): the desk reads them with every page
BY_USER, BY_CLIENT, BANS = Query(_by_user()), Query(_by_client()), Query(_bans())


async def _comment_counts(
    conn: AsyncConnection, user_ids: list[int], client_ids: list[str]
) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    if user_ids:
        for uid, *numbers in await BY_USER.rows(conn, {"user_ids": user_ids}):
            found[f"u:{uid}"] = [int(n) for n in numbers]
    if client_ids:
        for cid, *numbers in await BY_CLIENT.rows(conn, {"client_ids": client_ids}):
            found[f"c:{cid}"] = [int(n) for n in numbers]
    return found


async def _ban_counts(conn: AsyncConnection, keys: Iterable[str]) -> dict[str, tuple[int, bool]]:
    subjects = [("user" if k[0] == "u" else "client", k[2:]) for k in keys]
    if not subjects:
        return {}
    wanted = set(subjects)
    return {
        f"{t[0]}:{s}": (int(n), bool(active))
        for t, s, n, active in await BANS.rows(conn, {"subjects": [s for _, s in subjects]})
        if (t, s) in wanted
    }


async def author_records(conn: AsyncConnection, rows: Sequence[Any]) -> dict[str, AuthorRecord]:
    """The record of every author among queue ``rows``, by :func:`author_key`."""
    keys = {author_key(r) for r in rows}
    user_ids = [int(k[2:]) for k in keys if k.startswith("u:")]
    client_ids = [k[2:] for k in keys if k.startswith("c:")]
    counts = await _comment_counts(conn, user_ids, client_ids)
    banned = await _ban_counts(conn, keys)
    records = {}
    for key in keys:
        total, approved, rejected, pending, reports = counts.get(key, [0, 0, 0, 0, 0])
        ban_count, active = banned.get(key, (0, False))
        records[key] = AuthorRecord(
            total, approved, rejected, pending, reports, ban_count, banned_now=active
        )
    return records
