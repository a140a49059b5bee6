"""The login guard on the real Redis: wrong passwords slow the guesser, never lock the owner."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from common.errors import TooManyRequestsError
from gateway.domain.login_guard import LoginGuard, LoginPolicy, delay_after
from gateway.settings import Settings


@pytest.fixture
async def guard() -> AsyncIterator[LoginGuard]:
    """A guard with the default policy under a prefix of its own."""
    redis = Redis.from_url(Settings().redis_url)
    prefix = f"guard-test-{uuid.uuid4().hex[:8]}"
    yield LoginGuard(redis=redis, prefix=prefix, policy=LoginPolicy())
    keys = [k async for k in redis.scan_iter(match=f"{prefix}:*", count=1000)]
    if keys:
        await redis.delete(*keys)
    await redis.aclose()


def test_delays_double_from_one_second_up_to_the_cap() -> None:
    delays = [delay_after(n, free=3, cap=900) for n in range(1, 16)]
    assert delays[:2] == [0, 0]
    assert delays[2:7] == [1, 2, 4, 8, 16]
    assert max(delays) == 900
    assert delay_after(10**6, free=3, cap=60) == 60


async def _fail(guard: LoginGuard, account: str, client: str, times: int) -> None:
    """Wrong passwords from one client, each after its wait is over (the marker expired)."""
    for _ in range(times):
        await guard.redis.delete(guard._key("wait", account, client))
        await guard.check(account, client)
        await guard.failed(account, client)


async def test_the_failing_client_waits_and_the_wait_grows(guard: LoginGuard) -> None:
    await _fail(guard, "victim", "attacker", 3)
    with pytest.raises(TooManyRequestsError) as first:
        await guard.check("victim", "attacker")
    assert first.value.retry_after == 1
    for failures in (4, 5, 6):  # waited out each delay (its marker expired): one more guess
        await guard.redis.delete(guard._key("wait", "victim", "attacker"))
        await guard.failed("victim", "attacker")
        with pytest.raises(TooManyRequestsError) as later:
            await guard.check("victim", "attacker")
        assert later.value.retry_after == delay_after(failures, free=3, cap=900)


async def test_the_owner_on_another_device_is_not_delayed_by_one_attacker(
    guard: LoginGuard,
) -> None:
    await _fail(guard, "victim", "attacker", 10)
    with pytest.raises(TooManyRequestsError):
        await guard.check("victim", "attacker")
    await guard.check("victim", "owner-laptop")  # no exception: the owner logs in
    await guard.succeeded("victim", "owner-laptop")


async def test_guessing_from_many_clients_delays_new_devices_but_not_known_ones(
    guard: LoginGuard,
) -> None:
    await guard.succeeded("victim", "owner-phone")  # the owner logged in from here before
    for i in range(25):  # a botnet: every guess from a new client
        await guard.redis.delete(guard._key("wait-all", "victim"))
        await _fail(guard, "victim", f"bot-{i}", 1)
    with pytest.raises(TooManyRequestsError) as new_device:
        await guard.check("victim", "owner-new-tablet")
    assert 1 <= new_device.value.retry_after <= guard.policy.account_max_delay_seconds
    await guard.check("victim", "owner-phone")  # known device: straight through


async def test_success_forgets_the_clients_failures(guard: LoginGuard) -> None:
    await _fail(guard, "someone", "desk", 2)
    await guard.succeeded("someone", "desk")
    await _fail(guard, "someone", "desk", 2)
    await guard.check("someone", "desk")  # two fresh failures: still under the free three
