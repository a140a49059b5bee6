"""Read counting and hot-list churn for the analytics dashboard, sampled by the probe loop.

Every copy of the analytics app samples the same Redis totals, so dashboards take the
``max`` across copies, never the sum.
"""

from __future__ import annotations

import time

from prometheus_client import Counter, Gauge

from analytics.adapters.read_model import ReadModel
from analytics.domain.buckets import HotWindow, bucket_index
from analytics.domain.reading import hot_list
from common.probes import Sampler

READS_TODAY = Gauge(
    "analytics_reads_today",
    "Today's reads (Beijing day) by how they were counted: counted, bot or repeat",
    ["kind"],
)
HOT_ENTRIES = Counter(
    "analytics_hot_list_entries_total",
    "Articles that entered the 1-hour top 10 since the previous sample (hot-list churn)",
)
HOT_SIZE = 10
_KINDS = (("counted", "reads"), ("bot", "bots"), ("repeat", "dups"))


def reads_sampler(*, model: ReadModel, window: HotWindow, cache_seconds: float) -> Sampler:
    """Today's totals into the gauge; newcomers to the top 10 into the churn counter."""
    previous: set[int] | None = None

    async def sample() -> None:
        nonlocal previous
        now = time.time()
        (day,) = await model.site_buckets("d", [bucket_index(now, "d")])
        for kind, field in _KINDS:
            READS_TODAY.labels(kind=kind).set(day.get(field, 0))
        top = await hot_list(
            model=model,
            window=window,
            section_id=None,
            limit=HOT_SIZE,
            now=now,
            cache_seconds=cache_seconds,
        )
        current = {entry.article_id for entry in top}
        if previous is not None:
            HOT_ENTRIES.inc(len(current - previous))
        previous = current

    return sample
