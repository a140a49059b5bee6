# ruff: noqa: RUF001 - Chinese UI text uses full-width punctuation on purpose
"""The desk's queue as cards: filters that persist, marked text, the author's record, claims."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import Request, Response

from gateway.context import Gateway
from gateway.web.desk_text import MARKS, REASONS, reason_label, wait_text
from gateway.web.guard import staff_call
from gateway.web.pages import web_caller
from gateway.web.render import section_tree
from gateway.web.session import WebSession

FILTERS = ("status", "section", "article", "reason", "min_wait")
FILTER_COOKIE = "nr_desk"
PAGE_SIZE = 50


@dataclass(slots=True)
class DeskFilters:
    """The moderator's filters: kept in a cookie so every action and visit keeps them."""

    values: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    changed: bool = False

    def api_params(self) -> list[tuple[str, str]]:
        """The queue API's query parameters (the wait is asked in minutes, sent in seconds)."""
        params = [(k, v) for k, v in self.values.items() if k != "min_wait"]
        if "min_wait" in self.values:
            params.append(("min_age", str(int(self.values["min_wait"]) * 60)))
        return params

    def claim_payload(self) -> dict[str, Any]:
        """The same filters for a claim."""
        payload: dict[str, Any] = {"status": self.values.get("status", "pending")}
        for key in ("section", "article"):
            if key in self.values:
                payload[key] = int(self.values[key])
        if "reason" in self.values:
            payload["reason"] = self.values["reason"]
        if "min_wait" in self.values:
            payload["min_age"] = int(self.values["min_wait"]) * 60
        return payload

    @property
    def query(self) -> str:
        """The filters as a query string (``apply=1`` so an empty set still applies)."""
        return urlencode({"apply": "1", **self.values})


def _checked(raw: dict[str, str]) -> DeskFilters:
    found = DeskFilters()
    for key in FILTERS:
        value = raw.get(key, "").strip()
        if not value:
            continue
        if key == "status" and value not in ("pending", "reported"):
            found.problems.append("状态只能是待审或被举报")
        elif key in ("section", "article", "min_wait") and not (value.isdigit() and len(value) < 9):
            label = {"section": "栏目编号", "article": "文章编号", "min_wait": "最短等待"}[key]
            found.problems.append(f"{label}须为正整数")
        elif key == "reason" and value not in REASONS:
            found.problems.append("未知的原因")
        else:
            found.values[key] = value
    return found


def read_filters(request: Request) -> DeskFilters:
    """Filters from the query when the form was sent, else the ones remembered in the cookie."""
    query = request.query_params
    if "clear" in query:
        return DeskFilters(changed=True)
    if "apply" in query or any(k in query for k in FILTERS):
        found = _checked({k: query.get(k, "") for k in FILTERS})
        found.changed = True
        return found
    saved = request.cookies.get(FILTER_COOKIE, "")
    return _checked(dict(p.partition(":")[::2] for p in saved.split("|") if ":" in p))


def remember_filters(response: Response, filters: DeskFilters, *, secure: bool) -> None:
    """Keep the filters for the next visit (only the desk's own path sees the cookie)."""
    if filters.changed:  # "k:v|k:v": every character is legal in a cookie unquoted
        value = "|".join(f"{k}:{v}" for k, v in filters.values.items())
        response.set_cookie(
            FILTER_COOKIE, value, max_age=30 * 86400, httponly=True, samesite="lax",
            secure=secure, path="/moderation",
        )  # fmt: skip


def _sections(tree: list[dict[str, Any]]) -> dict[int, str]:
    names: dict[int, str] = {}
    stack = list(tree)
    while stack:
        node = stack.pop()
        names[int(node["id"])] = str(node.get("name", ""))
        stack.extend(node.get("children") or [])
    return names


Segment = tuple[str, str | None, str]


def segments(body: str, marks: list[dict[str, Any]]) -> list[Segment]:
    """The body cut at its marks: (text, mark kind or None, label), for autoescaped rendering."""
    parts: list[Segment] = []
    at = 0
    for mark in sorted(marks, key=lambda m: int(m["start"])):
        start, end = max(at, int(mark["start"])), min(len(body), int(mark["end"]))
        if start >= end:
            continue
        if start > at:
            parts.append((body[at:start], None, ""))
        kind = str(mark["kind"])
        parts.append((body[start:end], kind, MARKS.get(kind, kind)))
        at = end
    if at < len(body):
        parts.append((body[at:], None, ""))
    return parts


def card(item: dict[str, Any], names: dict[int, str], me: int | None) -> dict[str, Any]:
    """One queue entry as the card template shows it."""
    author = item.get("author") or {}
    claim: dict[str, Any] = item.get("claim") or {}
    anonymous = bool(author.get("anonymous"))
    reasons = [(code, reason_label(code)) for code in item.get("reasons", [])]
    if item.get("report_count"):
        reasons.append(("reported", f"被读者举报 {item['report_count']} 次"))
    return {
        "id": item["id"],
        "article_id": item["article_id"],
        "article_title": item.get("article_title") or f"文章 {item['article_id']}",
        "section": " › ".join(names.get(i, f"栏目 {i}") for i in item.get("section_path", [])),
        "segments": segments(item.get("body", ""), item.get("marks", [])),
        "reasons": reasons,
        "author": author,
        "ban_type": "client" if anonymous else "user",
        "ban_subject": author.get("client_id") if anonymous else str(author.get("user_id")),
        "record": item.get("author_record"),
        "created_at": item.get("created_at"),
        "wait": wait_text(item.get("age_seconds")),
        "claim_mine": bool(claim) and claim.get("moderator_id") == me,
        "claim_name": claim.get("moderator_name") or "",
    }


@dataclass(slots=True)
class QueueView:
    """What the desk shows: cards, totals and waits."""

    cards: list[dict[str, Any]]
    total: int
    oldest: float | None
    stats: dict[str, Any]
    error: str | None


async def load_queue(
    request: Request, gw: Gateway, session: WebSession, filters: DeskFilters
) -> QueueView:
    """The filtered queue as cards, with section names and the desk's overall numbers."""
    params = [*filters.api_params(), ("limit", str(PAGE_SIZE))]
    status, queue = await staff_call(
        request, gw, session, "comments", "GET", "/api/v1/moderation/queue", params=params
    )
    _, stats = await staff_call(request, gw, session, "comments", "GET", "/api/v1/moderation/stats")
    if status != 200:
        error = "审核服务暂时不可用，请稍后刷新" if status >= 500 else "筛选条件无效"
        return QueueView([], 0, None, stats if isinstance(stats, dict) else {}, error)
    names = _sections(await section_tree(gw, web_caller(request, session)))
    me = session.principal.user_id if session.principal else None
    cards = [card(item, names, me) for item in queue.get("items", [])]
    return QueueView(
        cards, int(queue.get("total", 0)), queue.get("oldest_age_seconds"), stats, None
    )
