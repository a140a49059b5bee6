"""Counting a group's members waits out a coordinator that is not available yet."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from aiokafka.errors import GroupCoordinatorNotAvailableError, UnknownError

from analytics.adapters import kafka_log
from analytics.settings import Settings


class FlakyAdmin:
    """An admin client whose coordinator lookup fails the first ``failures`` times."""

    calls = 0
    failures = 0
    error: type[Exception] = GroupCoordinatorNotAvailableError

    def __init__(self, **_: Any) -> None:
        self.closed = False

    async def start(self) -> None:
        return None

    async def describe_consumer_groups(self, groups: list[str]) -> list[Any]:
        FlakyAdmin.calls += 1
        if FlakyAdmin.calls <= FlakyAdmin.failures:
            raise FlakyAdmin.error("Unable to get coordinator id")
        group = (0, groups[0], "Stable", "consumer", "range", [("m1",), ("m2",)])
        return [SimpleNamespace(groups=[group])]

    async def close(self) -> None:
        self.closed = True


@pytest.fixture
def admin(monkeypatch: pytest.MonkeyPatch) -> type[FlakyAdmin]:
    FlakyAdmin.calls = 0
    monkeypatch.setattr(kafka_log, "AIOKafkaAdminClient", FlakyAdmin)
    monkeypatch.setattr(kafka_log.asyncio, "sleep", _no_wait)
    return FlakyAdmin


async def _no_wait(_: float) -> None:
    return None


async def test_a_coordinator_not_available_yet_is_waited_for(admin: type[FlakyAdmin]) -> None:
    admin.failures, admin.error = 3, GroupCoordinatorNotAvailableError
    assert await kafka_log._members(Settings(), "analytics-events") == 2
    assert admin.calls == 4


async def test_an_error_that_retrying_cannot_fix_is_raised_at_once(
    admin: type[FlakyAdmin],
) -> None:
    admin.failures, admin.error = 1, UnknownError
    with pytest.raises(UnknownError):
        await kafka_log._members(Settings(), "analytics-events")
    assert admin.calls == 1


async def test_the_wait_has_an_end(
    admin: type[FlakyAdmin], monkeypatch: pytest.MonkeyPatch
) -> None:
    admin.failures, admin.error = 10**6, GroupCoordinatorNotAvailableError
    monkeypatch.setattr(kafka_log, "COORDINATOR_WAIT_SECONDS", 0.0)
    with pytest.raises(GroupCoordinatorNotAvailableError):
        await kafka_log._members(Settings(), "analytics-events")
