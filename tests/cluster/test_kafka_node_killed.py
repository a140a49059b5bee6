"""A Kafka node killed under reads and comment submissions, then another after it returns.

Reads and comments go through HAProxy to two gateway copies, on a Redis Cluster.

Each time the node leading the most partitions of the platform's busy topics
(``analytics.views`` and ``comments.events``) is SIGKILLed, so leadership must move.
Every read answered 200 is counted exactly once; every comment accepted (202) is stored
exactly once and its event leaves the outbox; consumers go on after the moves.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.cluster.conftest import CLUSTER_HOME, GatewayCopies, cluster_infra_up
from tests.conftest import BROWSER_UA, Content
from tests.faults import test_kill_and_restart as faults
from tests.faults.instance import kill_from_pid_file
from tests.faults.test_kill_and_restart import ReadLoad, settled_reads, wait_for_reads
from tests.stack import Platform

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))
from devtool.kafka import tool_argv  # noqa: E402 - needs the path above

# the platform starts on three brokers and two nodes are killed and caught up in turn
pytestmark = [pytest.mark.cluster, pytest.mark.timeout(900)]
LEADER = re.compile(r"Topic: (\S+)\s+Partition: (\d+)\s+Leader: (-?\d+)")


@dataclass
class CommentLoad:
    """Submits distinct anonymous comments from a thread; remembers which were accepted."""

    base: str
    article_id: int
    tag: str
    accepted: list[str] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def _run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=5) as client:
            n = 0
            while not self._stop.is_set() and n < 2000:
                n += 1
                body = f"集群测试评论 {self.tag} 第{n}条"
                try:
                    response = client.post(
                        f"/api/v1/articles/{self.article_id}/comments",
                        json={"body": body, "nickname": f"读者{n}"},
                        headers={"user-agent": f"{BROWSER_UA} commenter/{self.tag}-{n}"},
                    )
                except httpx.HTTPError as exc:
                    self.failures[type(exc).__name__] += 1
                    continue
                if response.status_code == 202:
                    self.accepted.append(body)
                else:
                    self.failures[f"{response.status_code} {response.text[:80]}"] += 1
                time.sleep(0.05)

    def start(self) -> CommentLoad:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        assert self._thread is not None
        self._thread.join(30)


def _busiest_leader(platform: Platform, *, besides: int | None = None) -> int:
    """The node that leads the most partitions of the session's views and comment topics."""
    suffix = platform.base_env["NEWSROOM_TOPIC_SUFFIX"]
    topics = [f"analytics.views{suffix}", f"comments.events{suffix}"]
    argv = tool_argv(
        "org.apache.kafka.tools.TopicCommand",
        "--bootstrap-server", platform.base_env["NEWSROOM_KAFKA_BOOTSTRAP"],
        "--describe", "--topic", "|".join(re.escape(t) for t in topics),
    )  # fmt: skip
    out = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=True).stdout
    leaders = Counter(int(m[3]) for m in LEADER.finditer(out) if int(m[3]) > 0)
    if besides is not None:
        leaders.pop(besides, None)
    assert leaders, out
    return leaders.most_common(1)[0][0]


def _kill_node(node: int) -> None:
    kill_from_pid_file(CLUSTER_HOME / "run" / f"kafka-{node}.pid")


def _stored_once(platform: Platform, tag: str, accepted: list[str]) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    schema = f"comments_{platform.uid}"

    async def query() -> tuple[Counter[str], int]:
        engine = create_async_engine(platform.base_env["NEWSROOM_DATABASE_URL"])
        try:
            async with engine.connect() as conn:
                rows = await conn.execute(
                    text(f'SELECT body FROM "{schema}".comments WHERE body LIKE :tag'),  # noqa: S608 - schema is ours
                    {"tag": f"%{tag}%"},
                )
                stored = Counter(str(row[0]) for row in rows)
                unsent = await conn.scalar(
                    text(f'SELECT count(*) FROM "{schema}".outbox WHERE sent_at IS NULL')  # noqa: S608
                )
                return stored, int(unsent or 0)
        finally:
            await engine.dispose()

    deadline = time.monotonic() + 60
    while True:
        stored, unsent = asyncio.run(query())
        if unsent == 0 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert unsent == 0, f"{unsent} comment events never left the outbox"
    assert all(stored[body] == 1 for body in accepted), "an accepted comment is lost or doubled"
    assert not [body for body, count in stored.items() if count > 1]


def test_kafka_nodes_killed_in_turn_lose_and_double_nothing(
    platform: Platform,
    content: Content,
    gateway_copies: GatewayCopies,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # two kills and two catch-ups take minutes here: the readers must outlast them
    monkeypatch.setattr(faults, "MAX_SECONDS", 600.0)
    article = content.article_ids[0]
    entry = gateway_copies.balancer.url  # reads and comments go to both copies in turn
    httpx.get(f"{entry}/api/v1/articles/{article}", timeout=10).raise_for_status()
    before = settled_reads(platform, article)
    tag = uuid.uuid4().hex[:8]
    reads = ReadLoad(entry, article).start()
    comments = CommentLoad(entry, content.article_ids[1], tag).start()
    try:
        reads.wait_for(100)
        first = _busiest_leader(platform)
        _kill_node(first)
        served = reads.ok
        reads.wait_for(served + 200, timeout=60)  # reads go on while leadership moves
        cluster_infra_up()  # the killed node returns and catches up
        second = _busiest_leader(platform, besides=first)
        _kill_node(second)
        reads.wait_for(reads.ok + 200, timeout=60)
        cluster_infra_up()
        reads.wait_for(reads.ok + 100, timeout=60)
    finally:
        comments.stop()
        reads.stop()
    counted = wait_for_reads(platform, article, before + reads.ok) - before
    print(f"killed kafka-{first} then kafka-{second}; reads answered {reads.ok}, failed "
          f"{reads.failed}, counted {counted}; comments accepted {len(comments.accepted)}, "
          f"refused {dict(comments.failures)}")  # fmt: skip
    assert reads.ok <= counted <= reads.ok + reads.failed, (reads.ok, reads.failed, counted)
    assert comments.accepted, comments.failures
    _stored_once(platform, tag, comments.accepted)
