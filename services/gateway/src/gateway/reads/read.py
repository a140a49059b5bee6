"""One answered article read, and how a batch of them travels as ``views.recorded`` v2."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, NamedTuple

import orjson

from common.events.views import ViewsRecordedV2

MAX_AGENT = 256  # the event schema's limit on a user agent
MAX_ADDRESS = 64  # ... and on an address hash


class Read(NamedTuple):
    """One read of one article, as the gateway answered it.

    ``visitor`` is already a salted hash of the address and user agent, ``address`` a
    shorter salted hash of the address alone (its /64 for IPv6); no raw IP is kept. A read
    journaled before reads had an address has ``""``.
    """

    article_id: int
    section_id: int | None
    visitor: str
    user_agent: str
    user_id: int | None
    at: float  # unix seconds
    address: str = ""


def read_from_line(fields: list[Any]) -> Read:
    """A read back from its journal line (a JSON array of the fields, in order)."""
    return Read(*fields)


def batch_data(reads: list[Read]) -> dict[str, Any]:
    """The ``data`` of a v2 batch: rows, with each distinct user agent listed once.

    Each distinct address hash is listed once too (``addresses``), with the index of each
    row's in ``view_addresses``; both are left out when no read has one.

    Runs on every flush, so it builds plain lists; analytics validates the batch.
    """
    agents: dict[str, int] = {}
    addresses: dict[str, int] = {}
    rows: list[list[Any]] = []
    where: list[int] = []
    for article_id, section_id, visitor, agent, user_id, at, address in reads:
        index = agents.get(agent)
        if index is None:
            index = agents[agent] = len(agents)
        place = addresses.get(address)
        if place is None:
            place = addresses[address] = len(addresses)
        where.append(place)
        section = section_id if type(section_id) is int else None
        rows.append([article_id, section, visitor, index, user_id, round(at * 1000)])
    data: dict[str, Any] = {"agents": [agent[:MAX_AGENT] for agent in agents], "views": rows}
    if len(addresses) > 1 or "" not in addresses:
        data["addresses"] = [address[:MAX_ADDRESS] for address in addresses]
        data["view_addresses"] = where
    return data


def encode_batch(event_id: uuid.UUID, reads: list[Read], *, producer: str) -> bytes:
    """The whole ``views.recorded`` v2 envelope of one batch, encoded without models."""
    return orjson.dumps(
        {
            "event_id": str(event_id),
            "event_type": ViewsRecordedV2.event_type,
            "event_version": ViewsRecordedV2.event_version,
            "occurred_at": datetime.now(UTC),
            "producer": producer,
            "key": str(event_id),
            "data": batch_data(reads),
        }
    )
