"""Search documents and queries built from segmented words, and highlighted snippets."""

from __future__ import annotations

import html
import re
from collections import defaultdict
from dataclasses import dataclass

from opencc import OpenCC

from articles.domain.segmentation import Word, is_ascii_word, is_cjk, is_searchable, segment
from articles.domain.text_rules import check_text
from common.errors import InvalidInputError

MAX_POSITION = 16383  # Postgres keeps positions up to this value
MAX_POSITIONS_PER_TERM = 64
MAX_QUERY_CHARS = 100
_to_simplified = OpenCC("t2s")


def _quote(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def characters(word: str) -> tuple[str, ...]:
    """The single CJK characters of a longer word (so a one-character search finds it)."""
    if len(word) < 2:
        return ()
    return tuple(dict.fromkeys(c for c in word if is_cjk(c) and is_searchable(c)))


def search_document(*, title: str, summary: str, body: str) -> str:
    """A tsvector literal: title words weighted A, summary B, body C, with positions.

    Each word is indexed whole, with the dictionary words inside it and its single CJK
    characters, all at the word's position.
    """
    places: dict[str, list[str]] = defaultdict(list)
    position = 1
    for text, weight in ((title, "A"), (summary, "B"), (body, "C")):
        for word in segment(text):
            if position > MAX_POSITION:
                break
            for term in (word.text, *word.parts, *characters(word.text)):
                if len(places[term]) < MAX_POSITIONS_PER_TERM:
                    places[term].append(f"{position}{weight}")
            position += 1
        position += 1  # no phrase match across field borders
    return " ".join(f"{_quote(term)}:{','.join(at)}" for term, at in places.items())


class NoSearchWordsError(InvalidInputError):
    """A query of stop words (的, 了, the…) or punctuation only: nothing to search for."""

    code = "no_search_words"


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A parsed reader query: the tsquery text and the terms to highlight."""

    tsquery: str
    terms: tuple[str, ...]
    words: tuple[str, ...]


def _operand(term: str) -> str:
    return f"{_quote(term)}:*" if is_ascii_word(term) and len(term) >= 3 else _quote(term)


def _minimal_parts(word: Word) -> list[str]:
    """Inner words not containing another inner word: enough to find the word when split."""
    return [p for p in word.parts if not any(q != p and q in p for q in word.parts)]


def _group(word: Word) -> str:
    parts = _minimal_parts(word)
    if not parts:
        return _operand(word.text)
    return f"({_operand(word.text)} | ({' & '.join(_operand(p) for p in parts)}))"


def parse_query(raw: str) -> SearchQuery:
    """Every query word must match, either whole or through the words inside it."""
    text = _to_simplified.convert(check_text("q", raw.strip()))
    if not text:
        raise InvalidInputError("q: the search query is empty")
    if len(text) > MAX_QUERY_CHARS:
        raise InvalidInputError(f"q: the search query is longer than {MAX_QUERY_CHARS} characters")
    words = list({w.text: w for w in segment(text)}.values())
    if not words:
        raise NoSearchWordsError(
            "q: the search query has only stop words or punctuation; give a more specific word"
        )
    terms = {t for w in words for t in (w.text, *w.parts)}
    return SearchQuery(
        tsquery=" & ".join(_group(w) for w in words),
        terms=tuple(sorted(terms, key=lambda t: (-len(t), t))),
        words=tuple(w.text for w in words),
    )


def _pattern(terms: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE)


def _marked(text: str, pattern: re.Pattern[str]) -> str:
    out: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        out += [html.escape(text[last : match.start()]), f"<mark>{html.escape(match[0])}</mark>"]
        last = match.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def highlight(text: str, terms: tuple[str, ...]) -> str:
    """``text`` HTML-escaped with every query term wrapped in ``<mark>``."""
    return _marked(text, _pattern(terms)) if terms else html.escape(text)


def snippet(text: str, terms: tuple[str, ...], *, width: int = 120) -> str:
    """The ``width``-character window of ``text`` with the most query terms, escaped and marked."""
    flat = " ".join(text.split())
    if not terms:
        return html.escape(flat[:width])
    pattern = _pattern(terms)
    starts = [m.start() for m in pattern.finditer(flat)]
    best = 0
    if starts:
        counts = [(sum(1 for s in starts if c <= s < c + width - 10), -c) for c in starts]
        best = max(0, -max(counts)[1] - 20)
    window = flat[best : best + width]
    prefix = "…" if best > 0 else ""
    suffix = "…" if best + width < len(flat) else ""
    return prefix + _marked(window, pattern) + suffix
