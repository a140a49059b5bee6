# ruff: noqa: RUF001 - Chinese UI text uses full-width punctuation on purpose
"""What the editor's pages share: the section tree fresh from the articles service, pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response

from gateway.context import Gateway
from gateway.web.editor_text import explain
from gateway.web.guard import staff_call
from gateway.web.render import Page, plain_page
from gateway.web.session import WebSession


@dataclass(frozen=True, slots=True)
class SectionEntry:
    """A section in tree order: its depth, its path from the root, and its subtree."""

    id: int
    name: str
    path: str
    depth: int
    node: dict[str, Any]
    descendants: frozenset[int]

    @property
    def indented(self) -> str:
        """The name indented by depth, for a select box."""
        return "　" * self.depth + self.name


def flatten(nodes: list[dict[str, Any]], depth: int = 0, path: str = "") -> list[SectionEntry]:
    """Sections in display order (each parent before its children)."""
    out: list[SectionEntry] = []
    for node in nodes:
        section_id, name = node.get("id"), str(node.get("name") or "")
        if not isinstance(section_id, int):
            continue
        here = f"{path} › {name}" if path else name
        below = flatten(node.get("children") or [], depth + 1, here)
        subtree = frozenset({section_id, *(e.id for e in below)})
        out.append(SectionEntry(section_id, name, here, depth, node, subtree))
        out += below
    return out


async def load_sections(
    request: Request, gw: Gateway, session: WebSession
) -> tuple[list[dict[str, Any]], bool]:
    """The section forest as the articles service has it now (not a cached copy), and
    whether it could be fetched."""
    status, payload = await staff_call(request, gw, session, "articles", "GET", "/api/v1/sections")
    items = payload.get("items") if isinstance(payload, dict) else None
    if status != 200 or not isinstance(items, list):
        return [], False
    return items, True


def editor_page(
    gw: Gateway, session: WebSession, template: str, context: dict[str, Any], status: int = 200
) -> Response:
    """An editor page, never cached."""
    page = Page(template, context, status=status)
    return plain_page(page, session, secure=gw.settings.cookie_secure)


def problem_page(
    gw: Gateway, session: WebSession, status: int, title: str, detail: str
) -> Response:
    """A Chinese error page in the site's layout."""
    page = Page("error.html", {"title": title, "detail": detail}, status=status)
    return plain_page(page, session, secure=gw.settings.cookie_secure)


def refusal_status(status: int) -> int:
    """The status an editor page answers for a refused upstream call: a failure of the
    articles service is ours to report as 503; its 4xx stand as they are."""
    return 503 if status >= 500 else status


def upstream_problem(
    gw: Gateway, session: WebSession, status: int, answer: Any, title: str
) -> Response:
    """The error page for an articles-service call that did not succeed, its reason in Chinese."""
    return problem_page(gw, session, refusal_status(status), title, explain(status, answer))


async def editor_article(
    request: Request, gw: Gateway, session: WebSession, article_id: int
) -> tuple[int, Any]:
    """An article as editors see it (every field, any status): the status and the answer."""
    path = f"/api/v1/editor/articles/{article_id}"
    return await staff_call(request, gw, session, "articles", "GET", path)
