"""Editing the word lists live: every edit is audited and bumps the shared version."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from comments.adapters.audit import record
from comments.adapters.tables import word_entries, word_list_version
from comments.adapters.wordstore import bump_version
from comments.context import CommentsContext
from comments.domain.normalise import normalise_word
from comments.domain.text import clean_body, grapheme_length
from comments.domain.wordlist import WordListName
from common.auth import Principal
from common.db import transaction
from common.errors import InvalidInputError

MAX_WORD_LENGTH = 50
w = word_entries.c


@dataclass(frozen=True, slots=True)
class WordEntry:
    """One entry of a list as entered and as matched."""

    word: str
    normalized: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ListChange:
    """The version after an edit and how many entries it touched."""

    version: int
    changed: int


def _normalised(words: Sequence[str]) -> dict[str, str]:
    """Normalised form -> word as entered; refuses words that normalise to nothing."""
    result: dict[str, str] = {}
    for raw in words:
        word = clean_body(raw)
        if grapheme_length(word) > MAX_WORD_LENGTH:
            raise InvalidInputError(f"word longer than {MAX_WORD_LENGTH} characters: {word[:60]!r}")
        normalized = normalise_word(word)
        if not normalized:
            raise InvalidInputError(f"word has no letters or digits to match: {word!r}")
        result.setdefault(normalized, word)
    return result


async def list_words(
    *, ctx: CommentsContext, list_name: WordListName
) -> tuple[int, list[WordEntry]]:
    """The version and the entries of one list."""
    async with ctx.sessions() as session:
        version = int(await session.scalar(select(word_list_version.c.version)) or 0)
        rows = await session.execute(
            select(w.word, w.normalized, w.created_at)
            .where(w.list == list_name)
            .order_by(w.normalized)
        )
    return version, [WordEntry(r.word, r.normalized, r.created_at) for r in rows]


_INSERT = text(
    "INSERT INTO word_entries (list, word, normalized, created_by) "
    "SELECT :list, t.word, t.normalized, :by FROM unnest(CAST(:words AS text[]), "
    "CAST(:norms AS text[])) AS t(word, normalized) "
    "ON CONFLICT (list, normalized) DO NOTHING"
)


async def _insert(
    session: AsyncSession, list_name: str, entries: dict[str, str], actor: Principal
) -> int:
    before = await session.scalar(select(func.count()).where(w.list == list_name))
    await session.execute(
        _INSERT,
        {
            "list": list_name,
            "by": actor.user_id,
            "words": list(entries.values()),
            "norms": list(entries.keys()),
        },
    )
    after = await session.scalar(select(func.count()).where(w.list == list_name))
    return int(after or 0) - int(before or 0)


async def add_words(
    *, ctx: CommentsContext, actor: Principal, list_name: WordListName, words: Sequence[str]
) -> ListChange:
    """Add words to a list (existing ones are kept)."""
    entries = _normalised(words)
    async with transaction(ctx.sessions) as session:
        added = await _insert(session, list_name, entries, actor)
        version = await bump_version(session)
        await record(
            session,
            actor=actor,
            action="words.add",
            subject=list_name,
            detail={"list": list_name, "words": list(entries.values()), "added": added},
        )
    await ctx.words.announce(version)
    return ListChange(version=version, changed=added)


async def _delete(session: AsyncSession, *conditions: Any) -> int:
    result = await session.execute(delete(word_entries).where(*conditions))
    return int(cast(CursorResult[Any], result).rowcount)


async def replace_words(
    *, ctx: CommentsContext, actor: Principal, list_name: WordListName, words: Sequence[str]
) -> ListChange:
    """Make a list exactly ``words``."""
    entries = _normalised(words)
    async with transaction(ctx.sessions) as session:
        removed = await _delete(session, w.list == list_name)
        await _insert(session, list_name, entries, actor)
        version = await bump_version(session)
        detail = {"list": list_name, "words": list(entries.values()), "removed": removed}
        await record(session, actor=actor, action="words.replace", subject=list_name, detail=detail)
    await ctx.words.announce(version)
    return ListChange(version=version, changed=len(entries))


async def remove_words(
    *, ctx: CommentsContext, actor: Principal, list_name: WordListName, words: Sequence[str]
) -> ListChange:
    """Remove words (as entered or in any spelling that normalises the same)."""
    normalized = list(_normalised(words))
    async with transaction(ctx.sessions) as session:
        removed = await _delete(session, w.list == list_name, w.normalized.in_(normalized))
        version = await bump_version(session)
        detail = {"list": list_name, "words": list(words), "removed": removed}
        await record(session, actor=actor, action="words.remove", subject=list_name, detail=detail)
    await ctx.words.announce(version)
    return ListChange(version=version, changed=removed)
