"""What an article says, validated: lengths, tags, cover URL, sanitised body, summary."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from typing import Any
from urllib.parse import urlsplit

from articles.domain.body_html import clean_body
from articles.domain.text_rules import check_text
from common.errors import InvalidInputError

LIMITS = {"title": 200, "subtitle": 200, "summary": 500, "source": 100, "author": 100}
MAX_TAGS = 10
MAX_TAG_CHARS = 20
MAX_URL_CHARS = 500
AUTO_SUMMARY_CHARS = 120
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class ArticleContent:
    """The editable content of an article (one revision's worth)."""

    title: str
    body_html: str = ""
    subtitle: str = ""
    summary: str = ""
    source: str = ""
    author: str = ""
    tags: tuple[str, ...] = ()
    cover_image_url: str = ""

    def changed(self, **changes: Any) -> ArticleContent:
        """A copy with some fields replaced (unknown names are refused)."""
        known = {f.name for f in fields(self)}
        unknown = set(changes) - known
        if unknown:
            raise InvalidInputError(f"unknown field(s): {', '.join(sorted(unknown))}")
        if "tags" in changes:
            changes["tags"] = tuple(changes["tags"])
        return replace(self, **changes)


@dataclass(frozen=True, slots=True)
class ValidContent:
    """Content that passed every rule, with the body's plain text."""

    content: ArticleContent
    body_text: str


def _plain(name: str, value: str) -> str:
    value = check_text(name, _SPACES.sub(" ", value).strip())
    if len(value) > LIMITS[name]:
        raise InvalidInputError(f"{name}: longer than {LIMITS[name]} characters ({len(value)})")
    return value


def _tags(tags: tuple[str, ...]) -> tuple[str, ...]:
    cleaned = tuple(dict.fromkeys(_SPACES.sub(" ", t).strip() for t in tags if t.strip()))
    if len(cleaned) > MAX_TAGS:
        raise InvalidInputError(f"tags: at most {MAX_TAGS} tags")
    for tag in cleaned:
        check_text("tags", tag)
        if len(tag) > MAX_TAG_CHARS:
            raise InvalidInputError(f"tags: {tag[:30]!r} is longer than {MAX_TAG_CHARS} characters")
    return cleaned


def _cover(url: str) -> str:
    url = check_text("cover_image_url", url.strip())
    if not url:
        return ""
    parts = urlsplit(url)
    if len(url) > MAX_URL_CHARS or parts.scheme not in {"http", "https"} or not parts.netloc:
        raise InvalidInputError("cover_image_url: must be an http(s) URL of at most 500 characters")
    return url


def validate_content(content: ArticleContent) -> ValidContent:
    """Normalise and check every field; the body is sanitised and the summary filled in."""
    title = _plain("title", content.title)
    if not title:
        raise InvalidInputError("title: must not be empty")
    body = clean_body(check_text("body_html", content.body_html, multiline=True))
    summary = _plain("summary", content.summary)
    if not summary:
        flat = " ".join(body.text.split())
        summary = flat if len(flat) <= AUTO_SUMMARY_CHARS else flat[:AUTO_SUMMARY_CHARS] + "…"
    valid = ArticleContent(
        title=title,
        body_html=body.html,
        subtitle=_plain("subtitle", content.subtitle),
        summary=summary,
        source=_plain("source", content.source),
        author=_plain("author", content.author),
        tags=_tags(content.tags),
        cover_image_url=_cover(content.cover_image_url),
    )
    return ValidContent(content=valid, body_text=body.text)
