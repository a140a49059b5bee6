"""The pipeline as a pure function: order, outcomes and how they combine."""

from __future__ import annotations

from dataclasses import replace

from comments.domain.model import ArticleState, AuthorHistory, BanState, TrustRules
from comments.domain.pipeline import PHASES, Submission, run_pipeline
from comments.domain.wordlist import WordHits

ARTICLE = ArticleState(
    article_id=1,
    status="published",
    section_id=2,
    section_path=(1, 2),
    title="t",
    policy="post",
    comments_open=True,
    max_length=250,
)
CLEAN = Submission(
    length=10,
    article=ARTICLE,
    default_max_length=250,
    ban=None,
    rate_limited=None,
    duplicate=False,
    flood=False,
    words=WordHits(),
    has_link=False,
    has_markup=False,
    anonymous=False,
    history=AuthorHistory(0, 0, False),
    rules=TrustRules(),
)
ORDER = [
    "length",
    "article",
    "ban",
    "rate_limit",
    "duplicate",
    "banned_words",
    "suspect_words",
    "links",
    "content",
    "trust",
    "policy",
]


def test_every_phase_runs_in_order_and_is_recorded() -> None:
    verdict = run_pipeline(CLEAN)
    assert [p.phase for p in verdict.phases] == ORDER
    assert len(PHASES) == len(ORDER)
    assert verdict.status == "approved"
    assert verdict.reasons == []


def test_reject_beats_hold_and_all_reasons_are_kept_in_order() -> None:
    verdict = run_pipeline(
        replace(
            CLEAN,
            words=WordHits(banned=("x",), suspect=("y",)),
            has_link=True,
            ban=BanState("ban", "user"),
        )
    )
    assert verdict.status == "rejected"
    assert verdict.reasons == ["user_banned", "banned_word", "suspect_word", "link"]


def test_hold_without_reject_is_pending() -> None:
    verdict = run_pipeline(replace(CLEAN, has_markup=True))
    assert (verdict.status, verdict.reasons) == ("pending", ["markup"])


def test_article_states() -> None:
    cases = {
        None: "article_missing",
        replace(ARTICLE, status="unpublished"): "article_unpublished",
        replace(ARTICLE, status="deleted"): "article_deleted",
        replace(ARTICLE, status="archived"): "article_archived",
        replace(ARTICLE, comments_open=False): "comments_closed",
    }
    for article, reason in cases.items():
        verdict = run_pipeline(replace(CLEAN, article=article))
        assert verdict.status == "rejected"
        assert reason in verdict.reasons


def test_length_uses_the_section_limit() -> None:
    short = replace(ARTICLE, max_length=100)
    assert run_pipeline(replace(CLEAN, article=short, length=100)).refusal("length") is None
    assert run_pipeline(replace(CLEAN, article=short, length=101)).refusal("length") is not None


def test_policies_and_trust() -> None:
    pre = replace(ARTICLE, policy="pre")
    first = replace(ARTICLE, policy="first")
    newcomer = AuthorHistory(0, 0, False)
    trusted = AuthorHistory(5, 0, True)
    rejected_often = AuthorHistory(1, 4, True)
    assert run_pipeline(replace(CLEAN, article=pre, history=newcomer)).reasons == ["policy_pre"]
    assert run_pipeline(replace(CLEAN, article=pre, history=trusted)).status == "approved"
    assert run_pipeline(replace(CLEAN, article=first, history=newcomer)).reasons == [
        "first_comment"
    ]
    assert run_pipeline(replace(CLEAN, article=first, history=trusted)).status == "approved"
    assert run_pipeline(replace(CLEAN, history=rejected_often)).reasons == ["high_rejection_rate"]
    anonymous = replace(CLEAN, article=pre, history=trusted, anonymous=True)
    assert run_pipeline(anonymous).reasons == ["policy_pre"]  # anonymous is never trusted
