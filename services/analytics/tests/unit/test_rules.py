"""Counting rules and the hot formula, without servers."""

from __future__ import annotations

import math
from array import array
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from analytics.domain.article_events import ops_for, previous_path_of
from analytics.domain.bots import BotScorer
from analytics.domain.buckets import hot_windows
from analytics.domain.plan import RANKED, build_plan
from analytics.domain.reading import parse_ids
from analytics.domain.views import view_rows
from analytics.settings import DEFAULT_BOT_PATTERNS, Settings
from common.errors import InvalidInputError
from common.events import Envelope
from common.events.articles import ArticleArchived, ArticlePublished, SectionCommentSettings
from common.events.comments import CommentApproved

SCORER = BotScorer(DEFAULT_BOT_PATTERNS, empty_ua_score=0.6)
WINDOWS = hot_windows(tau_1h=1200, tau_24h=21600, tau_7d=172800)


@pytest.mark.parametrize(
    ("agent", "score"),
    [
        ("Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/130.0", 0),
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", 100),
        ("Mozilla/5.0 (compatible; Baiduspider/2.0)", 100),
        ("curl/8.5.0", 100),
        ("python-requests/2.32", 100),
        ("", 60),
        ("SomethingOdd/1.0", 30),
    ],
)
def test_user_agents_are_scored(agent: str, score: int) -> None:
    assert SCORER.score(agent) == score


@pytest.mark.parametrize(
    "agent",
    [
        "axios/1.7.2",
        "PostmanRuntime/7.39.0",
        "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)",
        "undici",
        "python-requests/2.32.3",
        "Python-urllib/3.11",
        "python-httpx/0.27.0",
        "curl/8.5.0",
        "Wget/1.21.4",
        "Go-http-client/2.0",
        "okhttp/4.12.0",
        "Java/17.0.2",
        "Apache-HttpClient/4.5.14 (Java/17)",
        "got (https://github.com/sindresorhus/got)",
        "Deno/1.45.0",
        "Bun/1.1.0",
        "k6/0.52.0 (https://k6.io/)",
        "Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/126.0 Safari/537.36",
        "Mozilla/5.0 (Windows NT; Windows NT 10.0) WindowsPowerShell/5.1",
        "",
        "   ",
    ],
)
def test_scripted_clients_and_empty_agents_are_bots_by_default(agent: str) -> None:
    defaults = Settings(env="test")
    scorer = BotScorer(defaults.bot_ua_patterns, empty_ua_score=defaults.bot_empty_ua_score)
    assert scorer.score(agent) >= scorer.crawler_score


@pytest.mark.parametrize(
    "agent",
    [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 14; SM-S9180) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.0.0 Mobile Safari/537.36 MicroMessenger/8.0.49",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0",
    ],
)
def test_browsers_are_people_by_default(agent: str) -> None:
    defaults = Settings(env="test")
    scorer = BotScorer(defaults.bot_ua_patterns, empty_ua_score=defaults.bot_empty_ua_score)
    assert scorer.score(agent) == 0


def test_view_rows_carry_dedup_bucket_and_minute() -> None:
    at = datetime(2026, 1, 1, 0, 31, 5, tzinfo=UTC)
    data = {
        "views": [{"article_id": 7, "visitor": "abc", "user_agent": "curl/8", "at": at.isoformat()}]
    }
    (row,) = view_rows(data, scorer=SCORER, window=1800)
    t = int(at.timestamp())
    assert row == ("7", "abc", 100, t // 1800, t // 60, "", False)


def test_a_signed_in_reader_is_one_visitor_whatever_the_agent_or_address() -> None:
    ms = round(datetime(2026, 1, 1, 0, 31, 5, tzinfo=UTC).timestamp() * 1000)
    v2 = {
        "agents": ["Mozilla/5.0 a", "Mozilla/5.0 b"],
        "views": [
            [7, None, "hash-one", 0, 42, ms],
            [7, None, "hash-two", 1, 42, ms],
            [7, None, "hash-three", 1, None, ms],
        ],
        "addresses": ["home", "office"],
        "view_addresses": [0, 1, 1],
    }
    rows = view_rows(v2, scorer=SCORER, window=1800, version=2)
    assert [(r[1], r[5], r[6]) for r in rows] == [
        ("u42", "home", True),
        ("u42", "office", True),
        ("hash-three", "office", False),
    ]


def test_v2_rows_equal_v1_rows_of_the_same_reads() -> None:
    at = datetime(2026, 1, 1, 0, 31, 5, 250_000, tzinfo=UTC)
    v1 = [
        {"article_id": 7, "visitor": "abc", "user_agent": "curl/8", "at": at.isoformat()},
        {
            "article_id": 8,
            "section_id": 3,
            "visitor": "def",
            "user_agent": "",
            "at": at.isoformat(),
            "address": "net",
        },
    ]
    ms = round(at.timestamp() * 1000)
    v2 = {
        "agents": ["curl/8", ""],
        "views": [[7, None, "abc", 0, None, ms], [8, 3, "def", 1, None, ms]],
        "addresses": ["", "net"],
        "view_addresses": [0, 1],
    }
    rows_v2 = view_rows(v2, scorer=SCORER, window=1800, version=2)
    assert rows_v2 == view_rows({"views": v1}, scorer=SCORER, window=1800)


@pytest.mark.parametrize(
    "data",
    [
        {"agents": ["a"], "views": [[7, None, "abc", 1, None, 0]]},  # no agent 1
        {"agents": ["a"], "views": [[7, None, "abc", -1, None, 0]]},
        {"agents": ["a"], "views": [[7, None, "abc", 0, None]]},
        {"agents": ["a"], "views": [[7, None, 5, 0, None, 0]]},
        {"views": [[7, None, "abc", 0, None, 0]]},
        {"agents": ["a"], "views": [[7, None, "abc", 0, None, 0]], "addresses": ["x"]},
        {
            "agents": ["a"],
            "views": [[7, None, "abc", 0, None, 0]],
            "addresses": ["x"],
            "view_addresses": [-1],
        },
        {
            "agents": ["a"],
            "views": [[7, None, "abc", 0, None, 0]],
            "addresses": ["x"],
            "view_addresses": [3],
        },
    ],
)
def test_a_malformed_v2_batch_is_refused_with_a_reason(data: dict[str, object]) -> None:
    with pytest.raises(InvalidInputError, match="malformed views batch"):
        view_rows(data, scorer=SCORER, window=60, version=2)


def test_a_malformed_batch_is_refused_with_a_reason() -> None:
    with pytest.raises(InvalidInputError, match="malformed views batch"):
        view_rows({"views": [{"article_id": "x"}]}, scorer=SCORER, window=60)


def test_windows_cover_their_span_and_decay_with_age() -> None:
    day = WINDOWS["24h"]
    now = datetime(2026, 1, 1, 12, 30, tzinfo=UTC).timestamp()
    buckets = day.buckets(now)
    assert len(buckets) == 25  # 24 full hours back plus the current, partial one
    assert day.decay(buckets[0], now) == 1.0  # the current bucket's middle is not yet past
    older = day.decay(buckets[-1], now)
    assert math.isclose(older, math.exp(-day.age(buckets[-1], now) / day.tau_seconds))
    # the formula's intent: 60 reads 20 hours ago weigh less than 15 reads now...
    assert 60 * math.exp(-20 * 3600 / day.tau_seconds) < 15
    # ...but not over a week, where decay is slower
    assert 60 * math.exp(-20 * 3600 / WINDOWS["7d"].tau_seconds) > 15


def test_ids_are_validated() -> None:
    assert parse_ids("3, 1,3") == [3, 1]
    for bad in ("", "a", "1,-2", "0", ",".join(["1"] * 501)):
        with pytest.raises(InvalidInputError):
            parse_ids(bad)


def _published(path: list[int]) -> Envelope:
    event = ArticlePublished(
        article_id=5,
        section_id=path[-1],
        section_path=path,
        title="标题",
        slug="s",
        comments=SectionCommentSettings(section_id=path[-1]),
    )
    return Envelope.wrap(event, key="5", producer="test")


def test_publishing_lists_the_article_in_its_section_ancestry() -> None:
    ops = ops_for(_published([1, 4]), previous_path=[1, 2])
    assert ["SADD", "secart:1", "5"] in ops
    assert ["SADD", "secart:4", "5"] in ops
    assert ["SREM", "secart:2", "5"] in ops  # moved out of its old section
    assert ["SREM", "hidden", "5"] in ops
    meta = next(op[3] for op in ops if op[:2] == ["HSET", "a:meta"])
    assert previous_path_of(meta.encode()) == [1, 4]


def test_archiving_hides_and_approved_comments_count_in_buckets() -> None:
    archived = Envelope.wrap(ArticleArchived(article_id=5, section_id=4), key="5", producer="t")
    assert ["SADD", "hidden", "5"] in ops_for(archived, previous_path=[])
    approved = Envelope.wrap(CommentApproved(comment_id=1, article_id=5), key="5", producer="t")
    ops = ops_for(approved, previous_path=[])
    assert ["HINCRBY", "a:comments", "5", 1] in ops
    assert sum(1 for op in ops if op[0] == "ZINCRBY") == 3  # minute, hour and day buckets


def _plan_doc(rows: list[tuple[str, str, int, int, int, str, bool]]) -> dict[str, Any]:
    plan = build_plan(rows, bot_threshold=100, address_minutes=10)
    doc: dict[str, Any] = orjson.loads(plan.document)
    doc["pairs"] = list(array("I", plan.candidate_pair))
    doc["flags"] = list(array("I", plan.candidate_flags))
    return doc


def test_views_without_an_address_plan_nothing_more() -> None:
    doc = _plan_doc([("7", f"v{i}", 0, 1, 100, "", False) for i in range(5)])
    assert "ranking" not in doc
    assert "admission" not in doc
    assert "minute_ranked" not in doc
    assert doc["pairs"] == []
    assert all(f & RANKED for f in doc["flags"])  # ranked as counted


def test_one_address_rotating_its_agent_is_one_claim_and_many_pairs() -> None:
    rows = [("7", f"agent-{i}", 0, 1, 100, "net", False) for i in range(30)]
    rows.append(("8", "bot", 100, 1, 100, "net", False))  # a bot's agent: neither
    doc = _plan_doc(rows)
    ((_bucket, claims, firsts, later),) = doc["ranking"]
    assert claims == ["7@net"]
    assert firsts == [1]
    assert later == [[1, list(range(2, 31))]]
    assert doc["minute_ranked"] == [[1, 0]]
    ((window, pairs, refs, addresses, counts, numbers),) = doc["admission"]
    assert window == 10  # minute 100 in 10-minute windows
    assert pairs == [f"agent-{i}" for i in range(30)]
    assert addresses == ["#net"]
    assert set(refs) == {1}
    assert counts == [1] * 30
    assert numbers == list(range(1, 31))
    assert doc["pairs"] == [*range(1, 31), 0]


def test_signed_in_readers_use_their_address_allowance_for_accounts() -> None:
    rows = [("7", f"u{i}", 0, 1, 100, "office", True) for i in range(20)]
    rows.append(("7", "anonymous", 0, 1, 100, "office", False))
    doc = _plan_doc(rows)
    assert doc["ranking"][0][1] == ["7@office"]
    ((_window, pairs, refs, allowances, _counts, _numbers),) = doc["admission"]
    assert pairs == [f"u{i}@office" for i in range(20)] + ["anonymous"]
    assert allowances == ["+office", "#office"]
    assert refs == [1] * 20 + [2]
