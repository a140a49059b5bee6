"""The normalised view of a text that word lists are matched on, and duplicate fingerprints."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate

import regex
from opencc import OpenCC

_CJK = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]")
_HAN = regex.compile(r"\p{Han}")
_REPEATS = regex.compile(r"(.)\1+")
_DIGITS = regex.compile(r"\d+")
# sentence punctuation (after NFKC) and newlines: joining CJK text across them joins words
HARD_BREAKS = frozenset("\n。!?;,、")


class _TraditionalToSimplified:
    """OpenCC ``t2s`` applied character by character through a growing translation table.

    Phrase-level conversion costs about a millisecond per 250 characters in pure Python;
    matching only needs each character's simplified form, applied the same way to the
    word lists and to comments. Each Han character is converted once per process.
    """

    def __init__(self) -> None:
        self._opencc = OpenCC("t2s")
        self._table: dict[int, str] = {}

    def convert(self, text: str) -> str:
        for char in set(_HAN.findall(text)):
            if ord(char) not in self._table:
                self._table[ord(char)] = self._opencc.convert(char)
        return text.translate(self._table)


@lru_cache(maxsize=1)
def _t2s() -> _TraditionalToSimplified:
    return _TraditionalToSimplified()


def fold(text: str) -> str:
    """NFKC (full-width to half-width), case fold, traditional to simplified Chinese."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _t2s().convert(folded) if _HAN.search(folded) else folded


def is_cjk(char: str) -> bool:
    """Whether a character belongs to a CJK script (written without spaces between words)."""
    return _CJK.match(char) is not None


@dataclass(frozen=True, slots=True)
class MatchView:
    """Folded text with only letters and digits kept, plus where the words were.

    ``boundary[i]``: a word boundary lies before ``text[i]`` (a removed separator, or a
    change between CJK and other scripts). ``hard[i]``: how many sentence breaks between
    multi-character chunks lie at or before position ``i``.
    """

    text: str
    boundary: bytes
    hard: tuple[int, ...]

    def crosses_sentence(self, start: int, end: int) -> bool:
        """Whether ``text[start:end]`` spans a sentence break between real words."""
        return self.hard[end - 1] - self.hard[start] > 0


_LETTER, _CJK_LETTER, _IGNORED, _SEPARATOR, _BREAK = range(5)


@lru_cache(maxsize=65536)
def _kind(char: str) -> int:
    category = unicodedata.category(char)
    if category[0] in "LN":
        return _CJK_LETTER if is_cjk(char) else _LETTER
    if category[0] == "M" or category == "Cf":
        return _IGNORED  # combining marks and zero-width characters are not separators
    return _BREAK if char in HARD_BREAKS else _SEPARATOR


def _chunks(folded: str) -> list[tuple[str, bool]]:
    """Runs of letters and digits, each with whether a sentence break came before it."""
    chunks: list[tuple[str, bool]] = []
    current: list[str] = []
    hard = False
    for char in folded:
        kind = _kind(char)
        if kind <= _CJK_LETTER:
            current.append(char)
        elif kind != _IGNORED:
            if current:
                chunks.append(("".join(current), hard))
                current, hard = [], False
            hard = hard or kind == _BREAK
    if current:
        chunks.append(("".join(current), hard))
    return chunks


def match_view(raw: str) -> MatchView:
    """Fold ``raw`` and drop everything but letters and digits, remembering word boundaries."""
    parts: list[str] = []
    boundary = bytearray()
    breaks: list[int] = []
    previous = ""
    for chunk, hard_before in _chunks(fold(raw)):
        # a break between single characters is an inserted separator ("法,轮,功" in full width)
        breaks.append(int(hard_before and len(previous) > 1 and len(chunk) > 1))
        breaks.extend([0] * (len(chunk) - 1))
        kinds = [_kind(char) for char in chunk]
        boundary.append(1)
        boundary.extend(kinds[j] != kinds[j - 1] for j in range(1, len(kinds)))
        parts.append(chunk)
        previous = chunk
    boundary.append(1)
    return MatchView(text="".join(parts), boundary=bytes(boundary), hard=tuple(accumulate(breaks)))


def normalise_word(word: str) -> str:
    """A word-list entry in the form it is matched in (the text of its match view)."""
    return match_view(word).text


def fingerprint(view: MatchView, body: str) -> tuple[str, int]:
    """A digest equal for near-same texts (case, width, script, spacing, digits, repeats)."""
    core = _REPEATS.sub(r"\1", _DIGITS.sub("", view.text)) or f"raw:{body}"
    return hashlib.blake2b(core.encode(), digest_size=16).hexdigest(), len(core)
