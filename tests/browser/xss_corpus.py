# ruff: noqa: RUF001 - full-width brackets are one of the vectors
"""An XSS corpus of our own: vectors x contexts, each payload calling ``__xss(<its number>)``.

Contexts cover text between tags, inside quoted and unquoted attributes, inside scripts and
URLs, with CJK text around, full-width and entity-encoded forms, and broken-up tags.
"""

from __future__ import annotations

VECTORS = (
    "<script>__xss({n})</script>",
    "<img src=x onerror=__xss({n})>",
    "<svg onload=__xss({n})>",
    "<svg><animate onbegin=__xss({n}) attributeName=x dur=1s>",
    "<body onload=__xss({n})>",
    "<iframe srcdoc='<script>parent.__xss({n})</script>'>",
    "<a href=javascript:__xss({n})>link</a>",
    "<details open ontoggle=__xss({n})>",
    "<input autofocus onfocus=__xss({n})>",
    "<video><source onerror=__xss({n})></video>",
    "<object data=javascript:__xss({n})>",
    "<math><mtext><table><mglyph><style><img src=x onerror=__xss({n})>",
    "<marquee onstart=__xss({n})>x</marquee>",
    "<style onload=__xss({n})></style>",
    "<form><button formaction=javascript:__xss({n})>go</button></form>",
    "</textarea><script>__xss({n})</script>",
    "</title><script>__xss({n})</script>",
    "</script><script>__xss({n})</script>",
    "';__xss({n});//",
    '";__xss({n});//',
    "javascript:__xss({n})",
    "{{{{constructor.constructor('__xss({n})')()}}}}",
    "&lt;script&gt;__xss({n})&lt;/script&gt;",
    "＜script＞__xss({n})＜/script＞",
    "<scr<script>ipt>__xss({n})</scr</script>ipt>",
    "<IMG SRC=x OnErRoR=__xss({n})>",
)
WRAPPERS = (
    "{v}",
    '">{v}',
    "'>{v}",
    "评论{v}测试",
    "`{v}`",
    "<b>{v}</b>",
    " {v} ",
    "--><!--{v}",
)


def payloads() -> list[str]:
    """Every vector in every wrapper, numbered from 1."""
    made: list[str] = []
    for wrapper in WRAPPERS:
        for vector in VECTORS:
            made.append(wrapper.format(v=vector.format(n=len(made) + 1)))
    return made


# runs in every page before its own scripts: records calls and dialogs
DETECTOR = """
window.__hits = [];
window.__xss = (n) => window.__hits.push(String(n));
for (const name of ['alert', 'confirm', 'prompt']) {
  window[name] = (m) => window.__hits.push(name + ':' + m);
}
"""

# elements a payload would have created if it were not escaped or sanitised
INJECTED = """
() => {
  const found = [];
  const urlish = /^(href|src|action|formaction|data|xlink:href)$/;
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      const value = a.value.trim().toLowerCase();
      if (a.name.startsWith('on') && value.includes('__xss')) found.push(el.tagName + '@' + a.name);
      if (urlish.test(a.name) && /^(javascript|vbscript|data):/.test(value))
        found.push(el.tagName + '@' + a.name);
      if (a.name === 'srcdoc' && value.includes('__xss')) found.push(el.tagName + '@srcdoc');
    }
    if (el.tagName === 'SCRIPT' && el.textContent.includes('__xss')) found.push('SCRIPT');
  }
  return found;
}
"""
