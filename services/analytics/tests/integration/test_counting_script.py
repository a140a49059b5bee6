"""The counting script on the real Redis against a plain per-read model of the rules.

The script is fed a plan with every aggregate computed as if each read were new and by a
person, and corrects it for what Redis knows; these tests check the result equals
counting read by read, including repeats across calls, visitors past the reads-per-minute
limit, addresses past their new-visitor limit (one address rotating its user agent),
signed-in readers at several addresses, and the ranking's one read per article, address
and dedup bucket.
"""

from __future__ import annotations

import random
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from analytics.adapters.counting import CountingRules, LiveState, MessageRef, Mode, Outcome
from analytics.adapters.keys import META_READY, UNRANKED, Keys
from analytics.adapters.restore import wipe
from analytics.domain.views import ViewRow
from analytics.runtime import redis_client
from analytics.settings import Settings

WINDOW = 1800
RULES = CountingRules(
    applied_ttl=3600,
    dedup_window=WINDOW,
    bot_reads_per_minute=4,
    bot_threshold_x100=100,
    address_new_visitors=3,
    address_window=60,
    address_new_accounts=2,
)
ADDRESS_MINUTES = RULES.address_window // 60


@pytest.fixture
async def state(analytics_settings: Settings) -> AsyncIterator[LiveState]:
    redis = redis_client(analytics_settings)
    keys = Keys(f"analytics-script-test-{uuid.uuid4().hex[:8]}:")
    await redis.set(keys.meta, META_READY)
    try:
        yield LiveState(redis=redis, keys=keys, rules=RULES)
    finally:
        await wipe(redis, keys)
        await redis.aclose()


VISITORS = (
    [f"v{i:02d}" for i in range(25)]  # readers, five to an address (and some without one)
    + ["scraper1", "scraper2"] * 6  # reading far more than a person would
    + [f"rot{i:02d}" for i in range(30)]  # one address rotating its user agent
    + [f"u{i}" for i in range(1, 6)]  # signed in, at any of several addresses
)


def _address(rng: random.Random, visitor: str) -> str:
    if visitor.startswith("rot"):
        return "rotating"
    if visitor.startswith("u"):
        return rng.choice(["a0", "a1", "a2"])
    if visitor.startswith("scraper"):
        return "scrapers"
    n = int(visitor[1:])
    return "" if n % 7 == 6 else f"a{n % 5}"  # some views carry no address (older events)


def _random_rows(rng: random.Random, n: int, spread: int = 180) -> list[ViewRow]:
    """Few visitors and articles (many repeats), four agent scores, visitors reading far more
    than a person would, an address rotating its agent and signed-in readers; over
    ``spread`` seconds from 90 s before a dedup bucket starts (180: three minutes across the
    boundary; 1: one minute and bucket)."""
    start = (int(time.time()) // WINDOW + 1) * WINDOW - 90
    rows: list[ViewRow] = []
    for _ in range(n):
        t = start + rng.randrange(spread)
        visitor = rng.choice(VISITORS)
        many = 400 if visitor.startswith("scraper") else 40
        article = str(rng.randrange(1, many))
        score = rng.choice([0, 0, 0, 30, 60, 100])
        address = _address(rng, visitor)
        member = visitor.startswith("u")
        rows.append((article, visitor, score, t // WINDOW, t // 60, address, member))
    return rows


class Model:
    """Counting read by read, as the rules are written."""

    def __init__(self) -> None:
        self.seen: set[tuple[str, str, int]] = set()
        self.per_minute: Counter[tuple[str, int]] = Counter()
        self.counts: dict[str, Counter[str]] = defaultdict(Counter)
        self.site: dict[int, Counter[str]] = defaultdict(Counter)
        self.minute_reads: dict[int, Counter[str]] = defaultdict(Counter)
        self.uniques: dict[str, set[str]] = defaultdict(set)
        self.day_uniques: dict[int, set[str]] = defaultdict(set)
        self.claimed: set[tuple[str, str, int]] = set()  # (article, address, dedup bucket)
        # (address, signed in, window) -> visitors admitted
        self.admitted: dict[tuple[str, bool, int], set[str]] = defaultdict(set)
        self.minute_unranked: dict[int, Counter[str]] = defaultdict(Counter)

    def add(self, rows: list[ViewRow]) -> None:
        for article, visitor, score, bucket, minute, address, member in rows:
            if (article, visitor, bucket) in self.seen:
                kind = "dups"
            else:
                self.seen.add((article, visitor, bucket))
                self.per_minute[visitor, minute] += 1
                over = self.per_minute[visitor, minute] > RULES.bot_reads_per_minute
                total = score + (100 if over else 0)
                kind = "bots" if total >= RULES.bot_threshold_x100 else "reads"
                if score < RULES.bot_threshold_x100:
                    if address:
                        admitted = self.admitted[address, member, minute // ADDRESS_MINUTES]
                        limit = RULES.address_new_accounts if member else RULES.address_new_visitors
                        if visitor not in admitted:
                            if len(admitted) < limit:
                                admitted.add(visitor)
                            else:
                                kind = "dups"  # past the address's new visitors
            self.counts[kind][article] += 1
            self.site[minute][kind] += 1
            if kind == "reads":
                # an address's first counted read of the article in the bucket is ranked
                claim = (article, address or visitor, bucket)
                ranked = claim not in self.claimed
                self.claimed.add(claim)
                self.minute_reads[minute][article] += 1
                self.uniques[article].add(visitor)
                self.day_uniques[minute // 1440].add(visitor)
                if not ranked:
                    self.minute_unranked[minute][article] += 1


def _ints(mapping: dict[bytes, bytes]) -> dict[str, int]:
    return {k.decode(): int(v) for k, v in mapping.items()}


async def _pfcount_of(redis: Redis, keys: Keys, members: set[str]) -> int:
    scratch = f"{keys.prefix}scratch:{uuid.uuid4().hex}"
    await redis.pfadd(scratch, *members)
    count: int = await redis.pfcount(scratch)
    await redis.delete(scratch)
    return count


async def _assert_equal(state: LiveState, model: Model) -> None:  # noqa: C901 - one check per kind of key
    redis, keys = state.redis, state.keys
    for kind in ("reads", "bots", "dups"):
        want = {a: n for a, n in model.counts[kind].items() if n}
        assert _ints(await redis.hgetall(keys.counter(kind))) == want, kind
    for minute, kinds in model.site.items():
        want = {k: n for k, n in kinds.items() if n}
        assert _ints(await redis.hgetall(keys.site("m", minute))) == want
    for minute, reads in model.minute_reads.items():
        found = await redis.zrange(keys.bucket("reads", "m", minute), 0, -1, withscores=True)
        assert {m.decode(): int(s) for m, s in found} == dict(reads)
    hours: dict[int, Counter[str]] = defaultdict(Counter)
    for minute, reads in model.minute_reads.items():
        hours[minute // 60].update(reads)
    for hour, reads in hours.items():
        found = await redis.zrange(keys.bucket("reads", "h", hour), 0, -1, withscores=True)
        assert {m.decode(): int(s) for m, s in found} == dict(reads)
    for minute, unranked in model.minute_unranked.items():
        found = await redis.zrange(keys.bucket(UNRANKED, "m", minute), 0, -1, withscores=True)
        assert {m.decode(): int(s) for m, s in found if s} == dict(unranked)
    for minute in model.site:
        if minute not in model.minute_unranked:
            found = await redis.zrange(keys.bucket(UNRANKED, "m", minute), 0, -1, withscores=True)
            assert [m for m, s in found if s] == []
    unranked_hours: dict[int, Counter[str]] = defaultdict(Counter)
    for minute, unranked in model.minute_unranked.items():
        unranked_hours[minute // 60].update(unranked)
    for hour, unranked in unranked_hours.items():
        found = await redis.zrange(keys.bucket(UNRANKED, "h", hour), 0, -1, withscores=True)
        assert {m.decode(): int(s) for m, s in found if s} == dict(unranked)
    for article, visitors in model.uniques.items():
        expected = await _pfcount_of(redis, keys, visitors)
        assert await redis.pfcount(keys.uniques(article)) == expected
    for day, visitors in model.day_uniques.items():
        expected = await _pfcount_of(redis, keys, visitors)
        assert await redis.pfcount(keys.day_uniques(day)) == expected


@pytest.mark.parametrize(("seed", "spread"), [(1, 180), (2, 180), (3, 1), (4, 1)])
async def test_the_script_counts_as_read_by_read_counting_does(
    state: LiveState, seed: int, spread: int
) -> None:
    rng = random.Random(seed)
    model = Model()
    offset = 0
    for _call in range(6):
        batches = []
        for _ in range(rng.randrange(1, 4)):
            rows = _random_rows(rng, rng.randrange(1, 300), spread)
            batches.append((MessageRef(uuid.uuid4().hex, "views", 0, offset), rows))
            offset += 1
            model.add(rows)
        outcomes = await state.apply_views("views:0", batches)
        assert outcomes == [Outcome.APPLIED] * len(batches)
    await _assert_equal(state, model)
    assert int(await state.redis.hget(state.keys.offsets, "views:0") or 0) == offset


async def test_a_group_holding_applied_batches_counts_only_the_new_ones(
    state: LiveState,
) -> None:
    rng = random.Random(7)
    model = Model()
    first = (MessageRef("batch-a", "views", 0, 0), _random_rows(rng, 200))
    model.add(first[1])
    assert await state.apply_views("views:0", [first]) == [Outcome.APPLIED]

    second = (MessageRef("batch-b", "views", 0, 1), _random_rows(rng, 200))
    again = (MessageRef("batch-b", "views", 0, 2), second[1])  # the same batch re-sent
    model.add(second[1])
    outcomes = await state.apply_views("views:0", [first, second, again])
    assert outcomes == [Outcome.DUPLICATE, Outcome.APPLIED, Outcome.DUPLICATE]
    assert await state.apply_views("views:0", [first, second]) == [Outcome.DUPLICATE] * 2
    await _assert_equal(state, model)
    assert await state.redis.hget(state.keys.offsets, "views:0") == b"3"


@pytest.mark.parametrize("spread", [1, 180])
async def test_primed_state_counts_on_as_if_it_had_counted_everything(
    state: LiveState, spread: int
) -> None:
    """A restore primes the rules' state (dedup windows, reads per minute, admitted
    visitors per address, ranking claims) from messages it does not count again."""
    rng = random.Random(11 + spread)
    model = Model()
    offset = 0
    for _call in range(3):
        rows = _random_rows(rng, 250, spread)
        model.add(rows)
        batch = (MessageRef(uuid.uuid4().hex, "views", 0, offset), rows)
        offset += 1
        assert await state.apply_views("views:0", [batch], mode=Mode.PRIME) == [Outcome.APPLIED]
    for counts in (model.counts, model.site, model.minute_reads, model.minute_unranked):
        counts.clear()
    model.uniques.clear()
    model.day_uniques.clear()
    for _call in range(3):
        rows = _random_rows(rng, 250, spread)
        model.add(rows)
        batch = (MessageRef(uuid.uuid4().hex, "views", 0, offset), rows)
        offset += 1
        assert await state.apply_views("views:0", [batch]) == [Outcome.APPLIED]
    assert model.counts["dups"], "the primed dedup state must matter"
    await _assert_equal(state, model)
