"""Submitting a comment: gather signals, run the pipeline, store the comment and its events."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from comments.adapters.events import emit_all
from comments.adapters.signals import Signals
from comments.adapters.submissions import SubmissionFacts, load_facts, store_comment
from comments.context import CommentsContext
from comments.decision_metrics import count_submission
from comments.domain.content import content_shape
from comments.domain.errors import CommentTooLongError, InvalidParentError, RateLimitedError
from comments.domain.marks import link_kinds
from comments.domain.model import Author
from comments.domain.normalise import MatchView, fingerprint, match_view
from comments.domain.pipeline import Submission, Verdict, run_pipeline
from comments.domain.text import LINK, MARKUP, clean_body, grapheme_length
from comments.domain.wordlist import WordMatcher
from common.db import transaction
from common.events import EventData
from common.events.comments import CommentApproved, CommentSubmitted

MAX_DEPTH = 8


@dataclass(frozen=True, slots=True)
class Submitted:
    """The answer to a submission."""

    id: int
    status: str
    reasons: list[str]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class _Text:
    body: str
    view: MatchView
    fingerprint: str
    core_length: int


@dataclass(frozen=True, slots=True)
class _Draft:
    article_id: int
    parent_id: int | None
    author: Author
    text: _Text


def _prepare(body: str) -> _Text:
    text = clean_body(body)
    view = match_view(text)
    fp, core_length = fingerprint(view, text)
    return _Text(body=text, view=view, fingerprint=fp, core_length=core_length)


async def submit_comment(
    *, ctx: CommentsContext, article_id: int, body: str, parent_id: int | None, author: Author
) -> Submitted:
    """Run the moderation pipeline on a new comment and store it with its outcome."""
    text = _prepare(body)
    signals = await ctx.signals.gather(
        author=author, fingerprint=text.fingerprint, core_length=text.core_length, now=time.time()
    )
    if signals.rate_limited is not None:  # refused before touching the database: floods stay cheap
        await ctx.signals.forget(author=author, fingerprint=text.fingerprint, signals=signals)
        raise RateLimitedError(
            f"too many comments (rate_limited_{signals.rate_limited}); try again later",
            retry_after=60,
        )
    matcher = await ctx.words.current(signals.words_version)
    try:
        async with transaction(ctx.sessions) as session:
            facts = await load_facts(
                session,
                article_id=article_id,
                author=author,
                parent_id=parent_id,
                now=datetime.now(UTC),
                trust_window=timedelta(days=ctx.settings.trust_window_days),
            )
            _check_parent(facts, article_id=article_id, parent_id=parent_id)
            verdict = run_pipeline(_submission(ctx, text, signals, matcher, facts, author))
            _raise_refusals(verdict)
            draft = _Draft(article_id=article_id, parent_id=parent_id, author=author, text=text)
            submitted = await _store(session, draft, facts, verdict)
    except Exception:
        await ctx.signals.forget(author=author, fingerprint=text.fingerprint, signals=signals)
        raise
    count_submission(submitted.status)
    return submitted


def _submission(
    ctx: CommentsContext,
    text: _Text,
    signals: Signals,
    matcher: WordMatcher,
    facts: SubmissionFacts,
    author: Author,
) -> Submission:
    length = grapheme_length(text.body)
    links = link_kinds(text.body)
    return Submission(
        length=length,
        article=facts.article,
        default_max_length=ctx.settings.default_max_length,
        ban=facts.ban,
        rate_limited=signals.rate_limited,
        duplicate=signals.duplicate,
        flood=signals.flood,
        words=matcher.find(text.view),
        has_link="link" in links or LINK.search(text.body) is not None,
        has_markup=MARKUP.search(text.body) is not None,
        anonymous=author.anonymous,
        history=facts.history,
        rules=ctx.trust_rules,
        disguised_link="disguised_link" in links,
        content=content_shape(letters=text.view.text, length=length),
    )


def _check_parent(facts: SubmissionFacts, *, article_id: int, parent_id: int | None) -> None:
    if parent_id is None:
        return
    parent = facts.parent
    if parent is None or parent.article_id != article_id or parent.status != "approved":
        raise InvalidParentError(f"comment {parent_id} is not a published comment of this article")
    if parent.depth + 1 > MAX_DEPTH:
        raise InvalidParentError(f"replies nest at most {MAX_DEPTH} levels deep")


def _raise_refusals(verdict: Verdict) -> None:
    if verdict.refusal("length") is not None:
        raise CommentTooLongError("the comment is longer than this section allows")


async def _store(
    session: AsyncSession, draft: _Draft, facts: SubmissionFacts, verdict: Verdict
) -> Submitted:
    article, parent, author, status = facts.article, facts.parent, draft.author, verdict.status
    phases = [{"phase": p.phase, "outcome": p.outcome, "reason": p.reason} for p in verdict.phases]
    comment_id, created_at = await store_comment(
        session,
        {
            "article_id": draft.article_id,
            "section_id": article.section_id if article else None,
            "section_path": list(article.section_path) if article else [],
            "parent_id": draft.parent_id,
            "root_id": parent.root_id if parent else None,
            "depth": parent.depth + 1 if parent else 0,
            "user_id": author.user_id,
            "author_name": author.name,
            "is_anonymous": author.anonymous,
            "contact": author.contact,
            "client_id": author.client_id,
            "body": draft.text.body,
            "fingerprint": draft.text.fingerprint,
            "status": status,
            "reasons": verdict.reasons,
            "phases": phases,
        },
        published=status == "approved",
    )
    await _announce(session, comment_id, draft, facts, verdict)
    return Submitted(id=comment_id, status=status, reasons=verdict.reasons, created_at=created_at)


async def _announce(
    session: AsyncSession, comment_id: int, draft: _Draft, facts: SubmissionFacts, verdict: Verdict
) -> None:
    section_id = facts.article.section_id if facts.article else None
    common_fields: dict[str, Any] = {
        "comment_id": comment_id,
        "article_id": draft.article_id,
        "section_id": section_id,
        "user_id": draft.author.user_id,
        "parent_id": draft.parent_id,
    }
    events: list[EventData] = [
        CommentSubmitted(status=verdict.status, reasons=verdict.reasons, **common_fields)
    ]
    if verdict.status == "approved":
        events.append(CommentApproved(**common_fields))
    await emit_all(session, events, article_id=draft.article_id)
