"""Bodies: scripts and broken markup refused with a reason; the rest sanitised."""

from __future__ import annotations

import pytest

from articles.domain.body_html import clean_body
from common.errors import InvalidInputError


@pytest.mark.parametrize(
    ("markup", "reason"),
    [
        ("<script>alert(1)</script>", "<script>"),
        ("<p><ScRiPt>x</ScRiPt></p>", "<script>"),
        ("<svg><script>x</script></svg>", "<svg>"),
        ('<p onclick="x()">a</p>', "onclick"),
        ('<a href="JaVaScRiPt:alert(1)">x</a>', "javascript"),
        ('<img src="data:image/png;base64,xx">', "data"),
        ("<p>a <b>b</p>", "<b> is not closed"),
        ("<p>a</div>", "</div> has no matching"),
        ("<div>open", "<div> is never closed"),
        ("<p>x <!-- never closed", "not terminated"),
        ("<p>\x00</p>", "NUL"),
    ],
)
def test_refused(markup: str, reason: str) -> None:
    with pytest.raises(InvalidInputError, match=reason):
        clean_body(markup)


def test_optional_end_tags_are_fine() -> None:
    body = clean_body("<ul><li>一<li>二</ul><p>段落")
    assert body.html == "<ul><li>一</li><li>二</li></ul><p>段落</p>"
    assert body.text == "一\n二\n段落"


def test_unknown_tags_and_attributes_dropped_links_made_safe() -> None:
    body = clean_body('<p style="x"><font>字</font><a href="https://a.example/">链</a></p>')
    assert body.html == (
        '<p>字<a href="https://a.example/" rel="noopener noreferrer nofollow">链</a></p>'
    )


def test_text_keeps_escaped_markup_as_text() -> None:
    body = clean_body("<p>&lt;script&gt; 1 &lt; 2</p>")
    assert "<script" not in body.html
    assert body.text == "<script> 1 < 2"
