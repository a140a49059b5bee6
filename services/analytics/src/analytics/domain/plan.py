"""What one counting-script call must do with a group of view rows, worked out in Python.

The script (``lua/apply_views.lua``) runs inside Redis, which is single-threaded and the
busiest part of counting, so everything that does not depend on Redis state is done
here: grouping views by the key that holds their dedup and behaviour state, repeats
within the group, and every aggregate (per article, per time bucket, visitor lists for
the HyperLogLogs), computed as if each read were new and by a person.

The script then looks up only what Redis knows: which first reads were already seen in
the dedup window, and how many reads each visitor already made in the minute. Those
exceptions (usually few) are subtracted from the aggregates through per-read records.

Read ``c`` (1-based, in view order) is a *candidate*: the first read of its (article,
visitor) in its dedup bucket within the group; later ones are repeats whatever Redis
says. A *slot* (1-based, in order of first appearance) is a (minute, visitor) pair.

The document (JSON) holds:

- ``articles``: the group's article ids; ``counts``: reads, bot reads and repeats per
  article (aligned with ``articles``); ``visitors``: each article's first-read visitors
  (for its HyperLogLog);
- ``dedup``: per dedup bucket ``[bucket, ["article:visitor", ...], [candidate, ...]]``
  (the candidate list left out when there is one bucket: then 1, 2, ...);
- ``rate``: per minute ``[minute, [visitor, ...], [reads, ...], [slot, ...]]`` (slots
  left out when there is one minute);
- ``minutes``: per minute, 1-based refs into ``buckets`` (minute, hour, day bucket) and
  into the days; ``buckets``: ``[granularity, index, reads, bots, repeats]``;
- ``minute_reads``: reads per article of each minute (only with several minutes);
- ``day`` (one day) or ``days``: ``[[day, [visitor, ...]], ...]``;
- ``minute_ranked`` (only when some view has an address): per minute, the *ranked*
  reads per article (aligned with ``articles``): the reads the hot ranking counts. Per
  dedup bucket, an address adds at most one ranked read to an article: its first
  counted read of the article. The plan assumes the first candidate by a person's agent
  of each (article, address) in the group is it (flag ``RANKED``); a view without an
  address is ranked when counted (its visitor stands for its address, and the dedup
  window already allows one read per visitor);
- ``ranking``: per dedup bucket ``[bucket, ["article@address", ...], [first candidate,
  ...], [[claim, [later candidate, ...]], ...]]``: each (article, address) of the group
  (a *claim*), its first candidate by a person's agent, and for the (few) claims with more,
  their later ones in order (only buckets with addressed views);
- ``admission``: per address window ``[window, [pair, ...], [allowance ref, ...],
  [allowance, ...], [candidates, ...], [pair number, ...]]``: the person's-agent visitors
  of each address (a *pair*: an anonymous visitor id, which hashes its address, or
  ``u<id>@address`` for an account), the 1-based allowance of each (``#address`` for
  anonymous visitors, ``+address`` for accounts: each has its own limit), the
  allowances, each pair's number of candidates and its number. ``candidate_pair``
  gives each candidate's pair (1-based over all windows, 0: a bot's agent or no
  address); empty without pairs.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson

from analytics.domain.buckets import WIDTH
from analytics.domain.views import ViewRow

if array("I").itemsize != 4:  # pragma: no cover - 4 bytes on every supported platform
    raise ImportError("the counting plan needs 4-byte unsigned ints")
NORMAL_BOT, OVER_LIMIT_BOT = 1, 2  # candidate flags: a bot by agent / once past the limit
RANKED = 4  # candidate flag: counted in the plan's ranked reads
_MINUTES_PER = {g: WIDTH[g] // 60 for g in ("m", "h", "d")}


@dataclass(frozen=True, slots=True)
class ViewPlan:
    """Script arguments: one JSON document and per-candidate little-endian uint32 arrays."""

    document: bytes
    candidate_article: bytes  # 1-based index into ``articles``
    candidate_slot: bytes
    candidate_minute: bytes  # 1-based index into ``minutes``
    candidate_flags: bytes  # NORMAL_BOT | OVER_LIMIT_BOT | RANKED
    candidate_pair: bytes = b""  # 1-based admission pair; empty when the plan has none

    @property
    def args(self) -> list[bytes]:
        """The plan as script arguments, in the script's order."""
        return [
            self.document,
            self.candidate_article,
            self.candidate_slot,
            self.candidate_minute,
            self.candidate_flags,
            self.candidate_pair,
        ]


def _u32(values: array[int]) -> bytes:
    if sys.byteorder == "big":
        values.byteswap()
    return values.tobytes()


def _aligned(counts: dict[int, int], size: int) -> list[int]:
    out = [0] * size
    for i, n in counts.items():
        out[i] = n
    return out


def build_plan(  # noqa: C901 - one hot loop, flat on purpose
    rows: Iterable[ViewRow], *, bot_threshold: int, address_minutes: int = 10
) -> ViewPlan:
    """The plan of a group of rows, in view order (see the module docstring).

    ``bot_threshold`` is the score (x100) from which a read counts as a bot read;
    ``address_minutes`` the length of the window of the new-visitors-per-address limit.
    """
    art_index: dict[str, int] = {}
    articles: list[str] = []
    reads: list[int] = []
    bots: list[int] = []
    dups: list[int] = []
    uv: list[list[str]] = []
    minute_index: dict[int, int] = {}
    minute_list: list[tuple[int, list[int], dict[int, int], dict[int, int]]] = []
    # ^ minute, kinds, reads per article, ranked reads per article
    days: dict[int, list[str]] = {}
    dd: dict[int, tuple[dict[str, None], list[int]]] = {}  # bucket -> fields, candidates
    rt: dict[int, tuple[dict[str, int], list[str], list[int]]] = {}  # minute -> slots
    slot_count = [0]
    c_article, c_slot, c_minute, c_flags = array("I"), array("I"), array("I"), array("I")
    over_only = OVER_LIMIT_BOT
    normal_bot = NORMAL_BOT | OVER_LIMIT_BOT
    ncand = 0
    last_bucket = last_minute = -1
    fields: dict[str, None] = {}
    candidates: list[int] = []
    slots: dict[str, int] = {}
    slot_visitors: list[str] = []
    slot_numbers: list[int] = []
    kinds: list[int] = []
    minute_reads: dict[int, int] = {}
    minute_later: dict[int, int] = {}  # per article: reads not first of their claim
    day_list: list[str] = []
    mi = 0
    # ranking: bucket -> (claim -> position, first candidates, position -> later ones)
    rk: dict[int, tuple[dict[str, int], list[int], dict[int, list[int]]]] = {}
    claims: dict[str, int] = {}
    firsts: list[int] = []
    later: dict[int, list[int]] = {}
    # admission: window -> (pair -> [pair number, candidates, address ref], address -> ref)
    adm: dict[int, tuple[dict[str, list[int]], dict[str, int]]] = {}
    held_pairs: dict[str, list[int]] = {}
    held_addresses: dict[str, int] = {}
    pair_total = 0
    c_pair = array("I")
    any_pairs = False
    for aid, visitor, score, bucket, minute, address, member in rows:
        ai = art_index.get(aid)
        if ai is None:
            ai = art_index[aid] = len(articles)
            articles.append(aid)
            reads.append(0)
            bots.append(0)
            dups.append(0)
            uv.append([])
        if minute != last_minute:
            last_minute = minute
            known = minute_index.get(minute)
            if known is None:
                known = minute_index[minute] = len(minute_list)
                minute_list.append((minute, [0, 0, 0], {}, {}))
                rt[minute] = ({}, [], [])
                days.setdefault(minute // _MINUTES_PER["d"], [])
            mi = known + 1
            _, kinds, minute_reads, minute_later = minute_list[known]
            held_pairs, held_addresses = adm.setdefault(minute // address_minutes, ({}, {}))
            slots, slot_visitors, slot_numbers = rt[minute]
            day_list = days[minute // _MINUTES_PER["d"]]
        if bucket != last_bucket:
            last_bucket = bucket
            group = dd.get(bucket)
            if group is None:
                group = dd[bucket] = ({}, [])
            fields, candidates = group
            claims, firsts, later = rk.setdefault(bucket, ({}, [], {}))
        field = aid + ":" + visitor
        if field in fields:  # a repeat within this group
            dups[ai] += 1
            kinds[2] += 1
            continue
        fields[field] = None
        ncand += 1
        candidates.append(ncand)
        slot = slots.get(visitor)
        if slot is None:
            slot = slots[visitor] = len(slot_count)
            slot_count.append(0)
            slot_visitors.append(visitor)
            slot_numbers.append(slot)
        slot_count[slot] += 1
        c_article.append(ai + 1)
        c_slot.append(slot)
        c_minute.append(mi)
        if score >= bot_threshold:
            c_flags.append(normal_bot)
            if any_pairs:
                c_pair.append(0)
            bots[ai] += 1
            kinds[1] += 1
            continue
        flags = over_only if score + 100 >= bot_threshold else 0
        reads[ai] += 1
        kinds[0] += 1
        minute_reads[ai] = minute_reads.get(ai, 0) + 1
        uv[ai].append(visitor)
        day_list.append(visitor)
        if address:
            claim = aid + "@" + address
            position = claims.get(claim)
            if position is None:
                claims[claim] = len(firsts)
                firsts.append(ncand)
                flags |= RANKED
            else:
                minute_later[ai] = minute_later.get(ai, 0) + 1
                if position in later:
                    later[position].append(ncand)
                else:
                    later[position] = [ncand]
            # an anonymous visitor id hashes its address: it names its pair; an account
            # may read from several addresses
            pair = visitor + "@" + address if member else visitor
            known_pair = held_pairs.get(pair)
            if known_pair is None:
                pair_total += 1
                allowance = ("+" if member else "#") + address
                ref = held_addresses.setdefault(allowance, len(held_addresses) + 1)
                known_pair = held_pairs[pair] = [pair_total, 0, ref]
            known_pair[1] += 1
            if not any_pairs:
                any_pairs = True
                c_pair.frombytes(bytes(4 * (ncand - 1)))  # no pair for those before
            c_pair.append(known_pair[0])
        else:
            flags |= RANKED
            if any_pairs:
                c_pair.append(0)
        c_flags.append(flags)

    # time buckets: each minute names its minute, hour and day bucket, and its day
    day_index = {day: i + 1 for i, day in enumerate(days)}
    bucket_index: dict[tuple[str, int], int] = {}
    bucket_doc: list[list[Any]] = []
    minute_doc: list[list[int]] = []
    for minute, minute_kinds, _, _ in minute_list:
        refs = []
        for g, per in _MINUTES_PER.items():
            key = (g, minute // per)
            b = bucket_index.get(key)
            if b is None:
                b = bucket_index[key] = len(bucket_doc)
                bucket_doc.append([g, key[1], 0, 0, 0])
            entry = bucket_doc[b]
            for k in range(3):
                entry[2 + k] += minute_kinds[k]
            refs.append(b + 1)
        refs.append(day_index[minute // _MINUTES_PER["d"]])
        minute_doc.append(refs)

    # the common case (one dedup bucket, minute and day) leaves out what the script can
    # infer: candidate and slot numbers in view order, the minute's reads per article
    # (the group's), the day's visitors (the articles')
    doc: dict[str, Any] = {
        "articles": articles,
        "counts": [reads, bots, dups],
        "dedup": [[b, list(f), cands] for b, (f, cands) in dd.items()],
        "rate": [
            [minute, visitors, [slot_count[s] for s in numbers], numbers]
            for minute, (_, visitors, numbers) in rt.items()
            if numbers
        ],
        "minutes": minute_doc,
        "buckets": bucket_doc,
        "visitors": uv,
    }
    ranking = [
        [b, list(named), first, [[pos + 1, more] for pos, more in rest.items()]]
        for b, (named, first, rest) in rk.items()
        if named
    ]
    if ranking:  # some view has an address
        doc["ranking"] = ranking
        size = len(articles)
        doc["minute_ranked"] = [
            [
                n - unranked
                for n, unranked in zip(
                    _aligned(per_article, size), _aligned(later_of, size), strict=True
                )
            ]
            for _, _, per_article, later_of in minute_list
        ]
    if any_pairs:
        admission = []
        for window, (pairs, addresses) in adm.items():
            if not pairs:
                continue
            numbers = list(pairs.values())
            admission.append(
                [
                    window,
                    list(pairs),
                    [ref for _, _, ref in numbers],
                    list(addresses),
                    [n for _, n, _ in numbers],
                    [number for number, _, _ in numbers],
                ]
            )
        doc["admission"] = admission
    if len(dd) == 1:
        del doc["dedup"][0][2]
    if len(doc["rate"]) == 1:
        del doc["rate"][0][3]
    if len(minute_list) > 1:
        doc["minute_reads"] = [
            _aligned(per_article, len(articles)) for _, _, per_article, _ in minute_list
        ]
    if len(days) > 1:
        doc["days"] = [[day, visitors] for day, visitors in days.items()]
    else:
        doc["day"] = next(iter(days))
    return ViewPlan(
        document=orjson.dumps(doc),
        candidate_article=_u32(c_article),
        candidate_slot=_u32(c_slot),
        candidate_minute=_u32(c_minute),
        candidate_flags=_u32(c_flags),
        candidate_pair=_u32(c_pair) if any_pairs else b"",
    )
