"""Banned, suspect and allowed words, matched in one pass over a comment's normalised view."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import ahocorasick

from comments.domain.normalise import MatchView, is_cjk

WordListName = Literal["banned", "suspect", "allow"]
WORD_LISTS: tuple[WordListName, ...] = ("banned", "suspect", "allow")


@dataclass(frozen=True, slots=True)
class WordHits:
    """Normalised banned and suspect words found in a text (first occurrence order)."""

    banned: tuple[str, ...] = ()
    suspect: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Entry:
    word: str
    banned: bool
    has_cjk: bool  # then it must not span a sentence break
    loose_start: bool  # starts with a CJK character: no word boundary needed there
    loose_end: bool

    @classmethod
    def of(cls, word: str, *, banned: bool) -> _Entry:
        return cls(
            word=word,
            banned=banned,
            has_cjk=any(is_cjk(ch) for ch in word),
            loose_start=is_cjk(word[0]),
            loose_end=is_cjk(word[-1]),
        )


@dataclass(slots=True)
class WordMatcher:
    """Aho-Corasick automata over normalised entries; build once per word-list version.

    An edge of a word that is a CJK character may fall anywhere (CJK has no spaces); an
    edge that is a Latin letter or digit must fall on a word boundary, so "ass" is not
    found in "class". A word with CJK characters must not span a sentence break between
    multi-character chunks. A match inside an allowed word ("魔法轮盘" for "法轮") does
    not count.
    """

    version: int = -1
    _words: ahocorasick.Automaton | None = field(default=None, repr=False)
    _allowed: ahocorasick.Automaton | None = field(default=None, repr=False)

    @classmethod
    def build(cls, entries: Iterable[tuple[WordListName, str]], *, version: int) -> WordMatcher:
        """A matcher for ``(list, normalised word)`` pairs; banned wins over suspect."""
        words: dict[str, _Entry] = {}
        allowed: set[str] = set()
        for list_name, word in entries:
            if not word:
                continue
            if list_name == "allow":
                allowed.add(word)
            elif list_name == "banned" or word not in words:
                words[word] = _Entry.of(word, banned=list_name == "banned")
        return cls(version=version, _words=_automaton(words), _allowed=_automaton(allowed))

    def find(self, view: MatchView) -> WordHits:
        """The banned and suspect words ``view`` contains, by the matching rules above."""
        if self._words is None or not view.text:
            return WordHits()
        allowed = self._allowed_spans(view)
        banned: dict[str, None] = {}
        suspect: dict[str, None] = {}
        for last, entry in self._words.iter(view.text):
            start, end = last + 1 - len(entry.word), last + 1
            if not _counts(entry, view, start, end) or _inside(allowed, start, end):
                continue
            (banned if entry.banned else suspect)[entry.word] = None
        return WordHits(banned=tuple(banned), suspect=tuple(suspect))

    def _allowed_spans(self, view: MatchView) -> list[tuple[int, int]]:
        if self._allowed is None:
            return []
        return [(last + 1 - len(word), last + 1) for last, word in self._allowed.iter(view.text)]


def _counts(entry: _Entry, view: MatchView, start: int, end: int) -> bool:
    if entry.has_cjk and view.crosses_sentence(start, end):
        return False
    if not entry.loose_start and not view.boundary[start]:
        return False
    return entry.loose_end or bool(view.boundary[end])


def _inside(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s <= start and end <= e for s, e in spans)


def _automaton(words: dict[str, _Entry] | set[str]) -> ahocorasick.Automaton | None:
    if not words:
        return None
    automaton = ahocorasick.Automaton()
    if isinstance(words, dict):
        for word, entry in words.items():
            automaton.add_word(word, entry)
    else:
        for word in words:
            automaton.add_word(word, word)
    automaton.make_automaton()
    return automaton
