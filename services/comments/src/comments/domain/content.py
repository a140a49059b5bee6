"""Low-content spam: comments that say nothing but one character, or almost nothing, repeated.

Measured on the normalised letters and digits (width, case and script folded, punctuation
and emoji dropped), so ``顶顶顶…``, ``顶 顶 顶…`` and full-width ``DDD…`` look alike.
"""

from __future__ import annotations

from typing import Literal

import regex

ContentShape = Literal["ok", "repeated_character", "low_content"]
REPEAT_LIMIT = 10  # this many of one character in a row is filler, not a word
FEW_DISTINCT = 2  # ... and a comment of at least REPEAT_LIMIT letters using at most this many
SYMBOLS_LIMIT = 10  # characters of only symbols, emoji or punctuation
_RUN = regex.compile(rf"(.)\1{{{REPEAT_LIMIT - 1},}}")


def content_shape(*, letters: str, length: int) -> ContentShape:
    """``letters``: the normalised text; ``length``: user-perceived characters of the body.

    One character repeated (``顶`` x 10 or more) and nothing else: ``repeated_character``
    (rejected). A long run inside other text, a long text of one or two distinct
    characters, or a long text of symbols only: ``low_content`` (held for a look).
    """
    if len(letters) >= REPEAT_LIMIT and len(set(letters)) == 1:
        return "repeated_character"
    if _RUN.search(letters):
        return "low_content"
    if len(letters) >= REPEAT_LIMIT and len(set(letters)) <= FEW_DISTINCT:
        return "low_content"
    if not letters and length >= SYMBOLS_LIMIT:
        return "low_content"
    return "ok"
