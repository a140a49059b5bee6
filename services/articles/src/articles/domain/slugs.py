"""Readable URL slugs: pinyin for Chinese, plus the article id so they never collide."""

from __future__ import annotations

import re

from pypinyin import lazy_pinyin

MAX_BASE = 60
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
SECTION_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$")
ARTICLE_SLUG = re.compile(r"^[a-z0-9-]{1,120}$")
_TRAILING_ID = re.compile(r"(?:^|-)(\d+)$")


def slug_base(text: str, *, fallback: str = "article") -> str:
    """Lower-case ASCII words of a title (Chinese as pinyin), at most 60 characters."""
    words = _NOT_SLUG.sub("-", "-".join(lazy_pinyin(text)).lower()).strip("-")
    if len(words) > MAX_BASE:
        words = words[:MAX_BASE].rsplit("-", 1)[0] if "-" in words[:MAX_BASE] else words[:MAX_BASE]
    return words.strip("-") or fallback


def article_slug(title: str, article_id: int) -> str:
    """``xue-xi-xing-zu-zhi-42``: readable and unique."""
    return f"{slug_base(title)}-{article_id}"


def id_from_slug(slug: str) -> int | None:
    """The article id a slug ends with, so old links keep working after a title change."""
    match = _TRAILING_ID.search(slug)
    return int(match[1]) if match and len(match[1]) < 19 else None
