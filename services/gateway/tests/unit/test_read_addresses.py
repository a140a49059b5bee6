"""Reads carry a salted hash of the reader's address, never the address itself."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import orjson
import pytest

from common.events import Envelope
from common.events.views import ViewsRecordedV2
from gateway.clients import ADDRESS_HASH_CHARS, ClientIds, network_of
from gateway.reads.journal import ReadJournal
from gateway.reads.read import Read, batch_data, encode_batch, read_from_line

AGENT = "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0"


class FixedSalt:
    """A stand-in for the Redis-backed daily salt."""

    async def salt_for(self, _day: object) -> bytes:
        return b"s" * 64


def test_an_ipv6_reader_is_attributed_to_its_64_network() -> None:
    assert network_of("203.0.113.7") == "203.0.113.7"
    assert network_of("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64"
    assert network_of("2001:db8:1:2:ffff:ffff:ffff:ffff") == "2001:db8:1:2::/64"
    assert network_of("2001:db8:1:3::1") == "2001:db8:1:3::/64"
    assert network_of("not:an:address") == "not:an:address"  # left as given, still hashed


async def test_the_address_hash_ignores_the_agent_and_the_host_part_of_a_64() -> None:
    ids: Any = ClientIds(FixedSalt())  # type: ignore[arg-type] # duck-typed salt source
    await ids.prepare()
    now = time.time()
    first = ids.address("2001:db8:1:2::10", now)
    assert first is not None
    assert len(first) == ADDRESS_HASH_CHARS
    assert ids.address("2001:db8:1:2:dead:beef::1", now) == first
    assert ids.address("2001:db8:1:3::10", now) != first
    v4 = ids.address("203.0.113.7", now)
    assert v4 is not None
    assert "203" not in v4
    # two agents on one address: two visitors, one address
    assert ids.peek("203.0.113.7", "agent one", now) != ids.peek("203.0.113.7", "agent two", now)


def test_a_batch_lists_each_address_once_with_an_index_per_read() -> None:
    now = time.time()
    reads = [
        Read(1, 3, "a" * 32, AGENT, None, now, "addr-one"),
        Read(2, 3, "b" * 32, AGENT, 5, now, "addr-two"),
        Read(3, 3, "c" * 32, AGENT, None, now, "addr-one"),
    ]
    data = batch_data(reads)
    assert data["addresses"] == ["addr-one", "addr-two"]
    assert data["view_addresses"] == [0, 1, 0]
    batch = ViewsRecordedV2.model_validate(data)
    assert [v.address for v in batch.article_views()] == ["addr-one", "addr-two", "addr-one"]


def test_reads_without_an_address_send_none() -> None:
    data = batch_data([Read(1, 3, "a" * 32, AGENT, None, time.time())])
    assert "addresses" not in data
    assert "view_addresses" not in data
    (view,) = ViewsRecordedV2.model_validate(data).article_views()
    assert view.address is None


def test_the_raw_address_never_travels() -> None:
    ip = "198.51.100.23"
    envelope = encode_batch(
        uuid.uuid4(),
        [Read(1, 3, "a" * 32, AGENT, None, time.time(), "0123456789abcdef")],
        producer="test",
    )
    assert ip.encode() not in envelope
    assert Envelope.from_bytes(envelope).event_version == 2


@pytest.mark.parametrize(
    "data",
    [
        {"agents": ["a"], "views": [[7, None, "v", 0, None, 0]], "addresses": ["x"]},
        {"agents": ["a"], "views": [[7, None, "v", 0, None, 0]], "view_addresses": [0]},
        {
            "agents": ["a"],
            "views": [[7, None, "v", 0, None, 0]],
            "addresses": ["x"],
            "view_addresses": [1],
        },
        {
            "agents": ["a"],
            "views": [[7, None, "v", 0, None, 0]],
            "addresses": ["x"],
            "view_addresses": [0, 0],
        },
    ],
)
def test_addresses_that_do_not_match_the_views_are_refused(data: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="address"):
        ViewsRecordedV2.model_validate(data)


def test_a_journal_line_from_before_addresses_reads_back(tmp_path: Path) -> None:
    old_line = orjson.loads(orjson.dumps([7, 3, "v" * 32, AGENT, None, 1.5]))
    assert read_from_line(old_line) == Read(7, 3, "v" * 32, AGENT, None, 1.5, "")
    journal = ReadJournal(tmp_path, budget_bytes=1 << 20)
    journal.append(Read(8, None, "w" * 32, AGENT, 4, 2.5, "addr"))
    (back,) = journal.load(0, 10)
    assert back.address == "addr"
    assert back.user_id == 4
    journal.close()
