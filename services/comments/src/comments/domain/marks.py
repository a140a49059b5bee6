"""Where a comment's links and listed words sit in its original text, for the pipeline and desk.

Links are looked for twice: in the text as written, and in a folded copy (full-width to
half-width, ideographic full stops as dots, spaces and zero-width characters dropped) whose
characters each remember their position in the original. A link found only in the folded
copy was disguised (``www.example.com`` in full-width letters, ``example 。com``).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import regex

from comments.domain.normalise import fold
from comments.domain.text import LINK

MarkKind = Literal["banned", "suspect", "link", "disguised_link"]
_DOTS = {"。": ".", "｡": ".", "﹒": ".", "点": "."}
_TLD = r"(?:com|net|org|cn|io|info|biz|xyz|top|cc|me|co|tv|ru)"
# on the folded copy CJK characters touch the link, so boundaries are ASCII ones
_FOLDED_LINK = regex.compile(
    rf"https?://[a-z0-9./?=&%_~:#-]*|www\.[a-z0-9-]+(?:\.[a-z0-9-]+)*"
    rf"|(?<![a-z0-9-])[a-z0-9-]{{2,}}(?:\.[a-z0-9-]+)*\.{_TLD}(?![a-z0-9])"
)
_PRIORITY: dict[MarkKind, int] = {"banned": 0, "disguised_link": 1, "link": 2, "suspect": 3}


@dataclass(frozen=True, slots=True)
class Mark:
    """A span of the original text (code point offsets) and why it is marked."""

    start: int
    end: int
    kind: MarkKind


_fold_char = lru_cache(maxsize=65536)(fold)


@dataclass(frozen=True, slots=True)
class _Folded:
    text: str
    origin: tuple[int, ...]  # origin[i]: index in the original text of text[i]

    def span(self, start: int, end: int) -> tuple[int, int]:
        return self.origin[start], self.origin[end - 1] + 1


def _fold_each(body: str, *, keep: str) -> _Folded:
    """Fold ``body`` character by character; ``keep`` 'link' keeps dots, 'word' letters only."""
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(body):
        if unicodedata.category(char) == "Cf" or char.isspace():
            continue
        folded = _fold_char(_DOTS.get(char, char) if keep == "link" else char)
        for piece in folded:
            if keep == "word" and unicodedata.category(piece)[0] not in "LN":
                continue
            chars.append(piece)
            origin.append(index)
    return _Folded("".join(chars), tuple(origin))


def link_marks(body: str) -> list[Mark]:
    """Links as written, and links disguised with full-width characters, spaces or 。."""
    plain = [Mark(m.start(), m.end(), "link") for m in LINK.finditer(body)]
    folded = _fold_each(body, keep="link")
    marks = list(plain)
    for match in _FOLDED_LINK.finditer(folded.text):
        start, end = folded.span(match.start(), match.end())
        if any(p.start < end and start < p.end for p in plain):
            continue
        as_written = body[start:end].casefold() == match.group()
        marks.append(Mark(start, end, "link" if as_written else "disguised_link"))
    return marks


def link_kinds(body: str) -> frozenset[MarkKind]:
    """Which kinds of link a text holds: ``link``, ``disguised_link``, both or none."""
    return frozenset(m.kind for m in link_marks(body))


def word_marks(body: str, *, banned: tuple[str, ...], suspect: tuple[str, ...]) -> list[Mark]:
    """Every place a matched (normalised) word occurs in the original text."""
    folded = _fold_each(body, keep="word")
    marks: list[Mark] = []
    lists: tuple[tuple[tuple[str, ...], MarkKind], ...] = ((banned, "banned"), (suspect, "suspect"))
    for words, kind in lists:
        for word in words:
            at = folded.text.find(word)
            while word and at >= 0:
                start, end = folded.span(at, at + len(word))
                marks.append(Mark(start, end, kind))
                at = folded.text.find(word, at + len(word))
    return marks


def merged(marks: list[Mark]) -> list[Mark]:
    """Non-overlapping marks in text order; where two overlap the stronger kind wins."""
    result: list[Mark] = []
    for mark in sorted(marks, key=lambda m: (m.start, _PRIORITY[m.kind])):
        last_end = result[-1].end if result else -1
        if mark.start < last_end or (mark.start == last_end and mark.kind == result[-1].kind):
            last = result[-1]
            kind = min((last.kind, mark.kind), key=_PRIORITY.__getitem__)
            result[-1] = Mark(last.start, max(last.end, mark.end), kind)
        else:
            result.append(mark)
    return result
