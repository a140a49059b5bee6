"""Text rules: what a comment, nickname and contact may hold, and how long a comment is."""

from __future__ import annotations

import unicodedata

import regex

from comments.domain.errors import EmptyCommentError, InvalidNicknameError, InvalidTextError

_GRAPHEME = regex.compile(r"\X")
# C0/C1 controls other than tab and newline, and bidi overrides/isolates that can disguise text
_FORBIDDEN = regex.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_NICKNAME = regex.compile(r"^[\p{L}\p{M}\p{N}_\-. ·]+$")
_CONTACT = regex.compile(r"^[^<>\"'`\s\p{C}]+$")
_MANY_NEWLINES = regex.compile(r"\n{3,}")
LINK = regex.compile(
    r"https?://|www\.|\b[a-z0-9-]{2,}\.(?:com|net|org|cn|io|info|biz|xyz|top|cc|me|co|tv|ru)\b",
    regex.IGNORECASE,
)
MARKUP = regex.compile(r"<\s*/?\s*[a-z!][^<>]*>|javascript:|on[a-z]+\s*=", regex.IGNORECASE)


def grapheme_length(text: str) -> int:
    """User-perceived characters (grapheme clusters): 你, 👍🏽 and 👨‍👩‍👧 count one each."""
    return sum(1 for _ in _GRAPHEME.finditer(text))


def clean_body(raw: str) -> str:
    """The body as it will be stored: plain text, trimmed; refuses empty or unsafe text."""
    _require_encodable(raw)
    text = raw.replace("\r\n", "\n").replace("\r", "\n").strip()
    if _FORBIDDEN.search(text):
        raise InvalidTextError("the comment contains control or bidirectional-override characters")
    text = _MANY_NEWLINES.sub("\n\n", text)
    if not text or not any(not unicodedata.category(c).startswith(("Z", "C")) for c in text):
        raise EmptyCommentError("the comment is empty")
    return text


def clean_nickname(raw: str | None, *, max_length: int) -> str:
    """An anonymous author's nickname: letters, digits, spaces and ``_-.·`` only."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    _require_encodable(text)
    if not text:
        raise InvalidNicknameError("anonymous comments need a nickname")
    if grapheme_length(text) > max_length:
        raise InvalidNicknameError(f"the nickname is longer than {max_length} characters")
    if not _NICKNAME.match(text):
        raise InvalidNicknameError("the nickname may hold letters, digits, spaces and _-.· only")
    return text


def clean_contact(raw: str | None) -> str | None:
    """Optional contact (e-mail or similar), never shown publicly."""
    text = (raw or "").strip()
    if not text:
        return None
    _require_encodable(text)
    if len(text) > 200 or not _CONTACT.match(text):
        raise InvalidTextError("the contact must be one word of printable characters, no markup")
    return text


def _require_encodable(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:  # lone surrogates from JSON \ud800 escapes
        raise InvalidTextError("the text is not valid Unicode") from exc
