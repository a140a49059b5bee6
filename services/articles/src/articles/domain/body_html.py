"""Article bodies: refuse scripts and malformed markup with a reason, sanitise the rest."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

import nh3

from common.errors import InvalidInputError

MAX_BODY_CHARS = 200_000
ALLOWED_TAGS = frozenset(
    "p br hr h2 h3 h4 h5 h6 strong b em i u s sub sup small mark blockquote q cite "
    "ul ol li dl dt dd a img figure figcaption table thead tbody tfoot tr th td caption "
    "pre code span div".split()
)
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start"},
}
FORBIDDEN_TAGS = frozenset(
    "script style iframe frame frameset object embed applet form input button textarea "
    "select option link meta base svg math template noscript".split()
)
VOID_TAGS = frozenset("area base br col embed hr img input link meta source track wbr".split())
OPTIONAL_END = frozenset("p li dt dd tr td th thead tbody tfoot option".split())
BLOCK_TAGS = frozenset(
    "p br hr h2 h3 h4 h5 h6 blockquote ul ol li dl dt dd figure figcaption tr pre div table".split()
)
BAD_SCHEMES = ("javascript:", "vbscript:", "data:")


@dataclass(frozen=True, slots=True)
class CleanBody:
    """A sanitised body and its plain text (for summaries, search and feeds)."""

    html: str
    text: str


class _Checker(HTMLParser):
    """Finds what must be refused (scripts, handlers, bad URLs, broken nesting)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.problem: str | None = None

    def _refuse(self, reason: str) -> None:
        self.problem = self.problem or reason

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in FORBIDDEN_TAGS:
            self._refuse(f"body_html: <{tag}> elements are not allowed")
        for name, value in attrs:
            if name.startswith("on"):
                self._refuse(f"body_html: event handler attribute {name} is not allowed")
            url = "".join((value or "").split()).lower()
            if name in {"href", "src", "action", "formaction"} and url.startswith(BAD_SCHEMES):
                self._refuse(f"body_html: {url.split(':')[0]}: URLs are not allowed")
        if tag not in VOID_TAGS:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS and self.open and self.open[-1] == tag:
            self.open.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID_TAGS:
            return
        if tag not in self.open:
            self._refuse(f"body_html: malformed HTML: </{tag}> has no matching <{tag}>")
            return
        while self.open[-1] != tag:
            inner = self.open.pop()
            if inner not in OPTIONAL_END:
                self._refuse(f"body_html: malformed HTML: <{inner}> is not closed before </{tag}>")
                return
        self.open.pop()

    def finish(self) -> None:
        if self.rawdata.lstrip().startswith("<"):
            self._refuse("body_html: malformed HTML: a tag or comment is not terminated")
        unclosed = [t for t in self.open if t not in OPTIONAL_END]
        if unclosed:
            self._refuse(f"body_html: malformed HTML: <{unclosed[-1]}> is never closed")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in BLOCK_TAGS:
            self.parts.append("\n")


def html_to_text(markup: str) -> str:
    """Plain text of (already sanitised) HTML; blocks become lines."""
    extractor = _TextExtractor()
    extractor.feed(markup)
    extractor.close()
    lines = (" ".join(line.split()) for line in "".join(extractor.parts).splitlines())
    return "\n".join(line for line in lines if line)


def clean_body(markup: str) -> CleanBody:
    """Validate and sanitise an article body; raises InvalidInputError with the reason."""
    if len(markup) > MAX_BODY_CHARS:
        raise InvalidInputError(f"body_html: longer than {MAX_BODY_CHARS} characters")
    if "\x00" in markup:
        raise InvalidInputError("body_html: contains a NUL character")
    checker = _Checker()
    checker.feed(markup)
    checker.finish()
    if checker.problem:
        raise InvalidInputError(checker.problem)
    cleaned = nh3.clean(
        markup,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(FORBIDDEN_TAGS - {"option", "select", "form", "frameset"}),
        attributes={k: set(v) for k, v in ATTRIBUTES.items()},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    if "<script" in cleaned.lower():  # defence in depth: never store a script element
        raise InvalidInputError("body_html: script content is not allowed")
    return CleanBody(html=cleaned, text=html_to_text(cleaned))
