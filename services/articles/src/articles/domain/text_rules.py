"""Text every field must satisfy: storable as UTF-8 and valid in XML (feeds, sitemap)."""

from __future__ import annotations

import unicodedata

from common.errors import InvalidInputError

_LINE_BREAKS = frozenset("\t\n\r")


def check_text(name: str, value: str, *, multiline: bool = False) -> str:
    """``value`` unchanged, or InvalidInputError naming the field and the problem."""
    for char in value:
        category = unicodedata.category(char)
        if category == "Cs":
            raise InvalidInputError(f"{name}: contains an unpaired surrogate (not valid UTF-8)")
        if category == "Cc" and not (multiline and char in _LINE_BREAKS):
            raise InvalidInputError(f"{name}: contains control characters")
    return value
