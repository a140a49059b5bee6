"""View counting with 1, 2 and 3 analytics consumer processes of one group.

For each number of processes: fresh schema, topics (6 partitions, so 1, 2 and 3 processes
get equal shares), group and Redis prefix, as ``bench/analytics_views.py`` makes them; the
real ``python -m analytics.consumers`` processes start one after another, each once the
group is stable, until the group holds them all. Then the same views as
analytics_views.py are published through the gateway's ``ReadRecorder`` while the
processes count them, timed until every count in Redis is applied, and checked exact.
A process whose partitions changed during the run (a rebalance) is reported.

    uv run python bench/analytics_consumers.py [--views N] [--processes 1 2 3]

Writes bench/results/analytics_consumers.json. On two cores, the processes share the
cores with the broker, Redis and the publisher: more processes add parallel work only
as far as a core is idle.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient
from alembic import command
from alembic.config import Config
from analytics_views import (  # a sibling module: bench/ is on the path
    check_exact,
    consumer_process,
    drop,
    environment,
    expected_counts,
    make_views,
    run_pipeline,
    warm_up,
)

from analytics.settings import Settings, get_settings
from common.events import ARTICLES_TOPIC, COMMENTS_TOPIC, VIEWS_TOPIC
from common.kafka.admin import ensure_topics

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "analytics_consumers.json"
PARTITIONS = 6
STABLE_TIMEOUT = 90.0  # seconds for the group to settle
ASSIGNED = "partitions assigned"  # common.kafka.consumer logs each assignment


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()


def _assignments(logs: Path, count: int) -> list[int]:
    """How many assignments each process logged so far."""
    return [
        (logs / f"consumer-{n}.log").read_text(errors="replace").count(ASSIGNED)
        for n in range(count)
    ]


async def wait_stable(settings: Settings, members: int) -> float:
    """Seconds until the views group is stable with ``members`` members, each assigned."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    started = time.monotonic()
    try:
        while time.monotonic() - started < STABLE_TIMEOUT:
            (described,) = await admin.describe_consumer_groups([settings.views_group])
            group = described.to_object()["groups"][0]
            found = group["members"]
            if (
                group["state"] == "Stable"
                and len(found) == members
                and all(m["member_assignment"] for m in found)
            ):
                return time.monotonic() - started
            await asyncio.sleep(0.5)
    finally:
        await admin.close()
    raise RuntimeError(f"the views group never held {members} assigned members")


async def one_count(
    settings: Settings, env: dict[str, str], processes: int, views_count: int
) -> dict[str, Any]:
    """Count the views with ``processes`` consumer processes; the figures of the run."""
    views = make_views(views_count, articles=5000, visitors=200_000)
    expected = expected_counts(views, settings)
    await ensure_topics(settings, [VIEWS_TOPIC, ARTICLES_TOPIC, COMMENTS_TOPIC])
    logs = Path(tempfile.mkdtemp(prefix="analytics-consumers-"))
    procs = [consumer_process(env, logs / "consumer-0.log")]
    try:
        await warm_up(settings, procs[0])
        stable_after = await wait_stable(settings, 1)
        # one at a time, each into a stable group: a process starting while the group is
        # still forming may find it empty, point its offsets and fail that commit
        for n in range(1, processes):
            procs.append(consumer_process(env, logs / f"consumer-{n}.log"))
            stable_after = await wait_stable(settings, n + 1)
        await asyncio.sleep(2)  # no late rebalance pending
        before = _assignments(logs, processes)
        load_before = os.getloadavg()[0]
        pipeline = await run_pipeline(settings, views)
        load_after = os.getloadavg()[0]
        await check_exact(settings, expected)
        rebalanced = _assignments(logs, processes) != before
    finally:
        for proc in procs:
            proc.send_signal(15)
        for proc in procs:
            proc.wait(30)
    rate = views_count / pipeline["end_to_end_seconds"]
    return {
        "processes": processes,
        "group_stable_after_seconds": round(stable_after, 1),
        "pipeline": pipeline | {"views_per_second": round(rate), "exact": True},
        "rebalanced_during_run": rebalanced,
        "load_average_before": round(load_before, 2),
        "load_average_after": round(load_after, 2),
        "logs": str(logs),
    }


def run_with(processes: int, views_count: int) -> dict[str, Any]:
    """One measurement in its own schema, topics, group and key prefix."""
    env = environment(uuid.uuid4().hex[:8]) | {"ANALYTICS_TOPIC_PARTITIONS": str(PARTITIONS)}
    os.environ.update(env)
    get_settings.cache_clear()
    command.upgrade(Config(str(ROOT / "services" / "analytics" / "alembic.ini")), "head")
    settings = get_settings()
    try:
        return asyncio.run(one_count(settings, env, processes, views_count))
    finally:
        asyncio.run(drop(settings))


def main() -> None:
    """Run each number of processes once and report."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--views", type=int, default=400_000)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2, 3])
    args = parser.parse_args()
    uptime_before = _uptime()
    runs = [run_with(n, args.views) for n in args.processes]
    result = {
        "views": args.views,
        "partitions": PARTITIONS,
        "cores": os.cpu_count(),
        "runs": runs,
        "uptime_before": uptime_before,
        "uptime_after": _uptime(),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    for r in runs:
        p = r["pipeline"]
        print(
            f"{r['processes']} consumer process(es): {p['views_per_second']:,} views/s end to end "
            f"({args.views:,} views, exact; published in {p['publish_seconds']} s; "
            f"rebalanced during the run: {r['rebalanced_during_run']})"
        )


if __name__ == "__main__":
    main()
