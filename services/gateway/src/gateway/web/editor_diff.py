# ruff: noqa: RUF001 - Chinese UI text uses full-width punctuation on purpose
"""Differences between a kept revision and the current article, as data the template escapes.

Nothing here produces markup: every piece of text (stored HTML included) is handed to the
template as plain text, which Jinja escapes, so a revision's HTML is shown, never run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

# block-level end tags (and line breaks) end a line of the body, so a diff reads by paragraph
BLOCK_END = re.compile(r"(</(?:p|h[1-6]|li|ul|ol|blockquote|div|pre|table|tr|figure)>|<br\s*/?>)")
CONTEXT = 2
FIELDS = (
    ("title", "标题"),
    ("subtitle", "副标题"),
    ("summary", "摘要"),
    ("source", "来源"),
    ("author", "作者"),
    ("tags", "标签"),
    ("cover_image_url", "封面图片 URL"),
    ("section", "栏目"),
    ("body_html", "正文（HTML）"),
)


@dataclass(slots=True)
class Line:
    """One line of a hunk: kept (' '), removed ('-') or added ('+'), in pieces.

    ``pieces`` are (text, changed) pairs: the changed characters of a replaced line are
    marked, so a one-character correction in a long Chinese paragraph stands out.
    """

    sign: str
    pieces: list[tuple[str, bool]]


@dataclass(slots=True)
class FieldDiff:
    """The difference of one field; ``hunks`` is empty when it did not change."""

    name: str
    label: str
    hunks: list[list[Line]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether the field differs."""
        return bool(self.hunks)


def body_lines(html: str) -> list[str]:
    """The body's HTML cut after each block, one paragraph a line."""
    text = BLOCK_END.sub(lambda m: m.group(1) + "\n", html.replace("\r\n", "\n"))
    return [line for line in (part.strip() for part in text.split("\n")) if line]


def _marked(old: str, new: str) -> tuple[list[tuple[str, bool]], list[tuple[str, bool]]]:
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    before: list[tuple[str, bool]] = []
    after: list[tuple[str, bool]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if old[i1:i2]:
            before.append((old[i1:i2], tag != "equal"))
        if new[j1:j2]:
            after.append((new[j1:j2], tag != "equal"))
    return before, after


def diff_lines(old: list[str], new: list[str]) -> list[list[Line]]:
    """Hunks (with two lines of context) turning ``old`` into ``new``."""
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    hunks: list[list[Line]] = []
    for group in matcher.get_grouped_opcodes(CONTEXT):
        hunk: list[Line] = []
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                hunk += [Line(" ", [(text, False)]) for text in old[i1:i2]]
                continue
            removed, added = old[i1:i2], new[j1:j2]
            if tag == "replace" and len(removed) == len(added):
                pairs = [_marked(a, b) for a, b in zip(removed, added, strict=True)]
                hunk += [Line("-", before) for before, _ in pairs]
                hunk += [Line("+", after) for _, after in pairs]
                continue
            hunk += [Line("-", [(text, True)]) for text in removed]
            hunk += [Line("+", [(text, True)]) for text in added]
        hunks.append(hunk)
    return hunks


def _value(source: dict[str, Any], name: str, section_names: dict[int, str]) -> list[str]:
    if name == "body_html":
        return body_lines(str(source.get("body_html") or ""))
    if name == "tags":
        tags = source.get("tags") or []
        return ["、".join(str(t) for t in tags)] if tags else []
    if name == "section":
        section_id = source.get("section_id")
        label = section_names.get(section_id) if isinstance(section_id, int) else None
        return [label or f"栏目 {section_id}"] if section_id is not None else []
    text = str(source.get(name) or "")
    return [text] if text else []


def compare(
    revision: dict[str, Any], current: dict[str, Any], section_names: dict[int, str]
) -> list[FieldDiff]:
    """Every field of ``revision`` against ``current`` (the revision is the old side)."""
    result = []
    for name, label in FIELDS:
        old = _value(revision, name, section_names)
        new = _value(current, name, section_names)
        result.append(FieldDiff(name, label, diff_lines(old, new) if old != new else []))
    return result
