# ruff: noqa: RUF001 - Chinese UI text uses full-width punctuation on purpose
"""Public pages: home, section lists, the article page, its print view, search."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request, Response

from common.errors import NotFoundError
from common.ranges import ArticleId, SectionId
from gateway.assembly import _part, assemble_article
from gateway.cache.invalidation import (
    LATEST_COMMENTS,
    LISTS,
    article_tag,
    comments_tag,
    section_tag,
)
from gateway.context import Gateway, GatewayDep
from gateway.domain.errors import UpstreamUnavailableError
from gateway.edge import client_info, read_of
from gateway.fetch import Caller, cached_get, get_json
from gateway.web.render import Page, section_tree, serve_page
from gateway.web.session import SessionDep, WebSession

router = APIRouter(tags=["pages"], include_in_schema=False)
PageNo = Annotated[int, Query(ge=1, le=1000)]
COMMENT_NOTICES = {"pending", "approved", "rejected", "reported", "report_failed"}


def web_caller(request: Request, session: WebSession) -> Caller:
    """The caller of a page: the session's access token, never its cookies."""
    return Caller(
        client_id=client_info(request.scope).client_id,
        request_id=getattr(request.state, "request_id", ""),
        token=session.access_token,
    )


SEARCH_PROBLEMS = {
    "no_search_words": "“的”“了”“和”这类常用字词不参与搜索，请换一个更具体的关键词。",
    "": "搜索词或翻页位置无法识别，请修改搜索词后重新搜索。",
}


def _error_code(body: bytes) -> str:
    try:
        answer = orjson.loads(body)
    except orjson.JSONDecodeError:
        return ""
    return str(answer.get("error", "")) if isinstance(answer, dict) else ""


def _items(payload: Any) -> list[dict[str, Any]]:
    if isinstance(payload, dict) and isinstance(payload.get("items"), list):
        return list(payload["items"])
    return []


@router.get("/")
async def home(request: Request, gw: GatewayDep, session: SessionDep) -> Response:
    """Sections, latest articles, hot articles, latest comments."""
    caller = web_caller(request, session).anonymous()

    async def build() -> Page:
        timeout = gw.settings.part_timeout
        missing: list[str] = []
        sections, latest, hot, comments = await asyncio.gather(
            section_tree(gw, caller),
            _part(
                "latest",
                get_json(
                    gw,
                    "articles",
                    "/api/v1/articles",
                    caller=caller,
                    params=[("limit", "20")],
                    tags=(LISTS,),
                ),
                timeout,
                missing,
            ),
            _part(
                "hot",
                get_json(
                    gw,
                    "analytics",
                    "/api/v1/hot",
                    caller=caller,
                    params=[("window", "24h"), ("limit", "10")],
                    fresh_for=5.0,
                ),
                timeout,
                missing,
            ),
            _part(
                "latest_comments",
                get_json(
                    gw,
                    "comments",
                    "/api/v1/comments/latest",
                    caller=caller,
                    params=[("limit", "10")],
                    tags=(LATEST_COMMENTS,),
                    fresh_for=15.0,
                ),
                timeout,
                missing,
            ),
        )
        return Page(
            "home.html",
            {
                "sections": sections,
                "latest": _items(latest),
                "hot": _items(hot),
                "latest_comments": _items(comments),
                "unavailable": missing,
            },
            tags=(LISTS, LATEST_COMMENTS),
            fresh_for=5.0 if missing else 10.0,
        )

    return await serve_page(request, gw, session, key="/", build=build)


@router.get("/sections/{section_id}")
async def section(
    section_id: SectionId, request: Request, gw: GatewayDep, session: SessionDep, page: PageNo = 1
) -> Response:
    """One section's articles, paginated, with breadcrumbs and subsections."""
    caller = web_caller(request, session).anonymous()

    async def build() -> Page:
        tags = (section_tag(section_id), LISTS)
        detail, listing, sections = await asyncio.gather(
            get_json(gw, "articles", f"/api/v1/sections/{section_id}", caller=caller, tags=tags),
            get_json(
                gw,
                "articles",
                f"/api/v1/sections/{section_id}/articles",
                caller=caller,
                params=[("page", str(page)), ("limit", "20")],
                tags=tags,
            ),
            section_tree(gw, caller),
        )
        if not isinstance(detail, dict):
            raise NotFoundError(f"no section {section_id}")
        listing = listing if isinstance(listing, dict) else {}
        return Page(
            "section.html",
            {
                "section": detail,
                "articles": _items(listing),
                "page": page,
                "total": listing.get("total"),
                "has_next": bool(listing.get("next_cursor")),
                "sections": sections,
            },
            tags=tags,
        )

    return await serve_page(
        request, gw, session, key=f"/sections/{section_id}?page={page}", build=build
    )


def _count_view(
    request: Request, gw: Gateway, session: WebSession, article_id: int, section_id: Any
) -> None:
    user_id = session.principal.user_id if session.principal else None
    gw.reads.record(read_of(request.scope, article_id, section_id, user_id))


async def _article_page(
    request: Request,
    gw: Gateway,
    session: WebSession,
    article_id: int,
    *,
    template: str,
    notice: str | None,
) -> Response:
    caller = web_caller(request, session)

    async def build() -> Page:
        bundle, sections = await asyncio.gather(
            assemble_article(gw, article_id=article_id, caller=caller, full_page=True),
            section_tree(gw, caller),
        )
        return Page(
            template,
            {"b": bundle, "a": bundle.article, "sections": sections, "notice": notice},
            tags=(article_tag(article_id), comments_tag(article_id)),
            fresh_for=1.0 if bundle.unavailable else gw.settings.cache_count_fresh_seconds,
            meta={"section_id": bundle.article.get("section_id")},
        )

    key = f"article:{article_id}" if template == "article.html" else f"print:{article_id}"
    if notice:
        key += f"?comment={notice}"
    response = await serve_page(request, gw, session, key=key, build=build)
    if response.status_code in {200, 304}:
        section_id = getattr(request.state, "page_meta", {}).get("section_id")
        _count_view(request, gw, session, article_id, section_id)
    return response


@router.get("/articles/{article_id}")
async def article(
    article_id: ArticleId,
    request: Request,
    gw: GatewayDep,
    session: SessionDep,
    comment: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """The article page: breadcrumbs, body, read count, comments, hot/related/latest lists."""
    notice = comment if comment in COMMENT_NOTICES else None
    return await _article_page(
        request, gw, session, article_id, template="article.html", notice=notice
    )


@router.get("/articles/{article_id}/print")
async def article_print(
    article_id: ArticleId, request: Request, gw: GatewayDep, session: SessionDep
) -> Response:
    """A printer-friendly view of the article."""
    return await _article_page(request, gw, session, article_id, template="print.html", notice=None)


@router.get("/search")
async def search(
    request: Request,
    gw: GatewayDep,
    session: SessionDep,
    q: Annotated[str, Query(max_length=100)] = "",
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """Full-text search over published articles (keyset pages via ``cursor``)."""
    caller = web_caller(request, session).anonymous()
    query = q.strip()

    async def build() -> Page:
        results: Any = None
        problem = None
        if query:
            params = [("q", query), ("limit", "20")] + ([("cursor", cursor)] if cursor else [])
            entry, _ = await cached_get(
                gw, "articles", "/api/v1/search", caller=caller, params=params, tags=(LISTS,)
            )
            if entry.status == 422:  # the query itself: say what to change, in Chinese
                problem = SEARCH_PROBLEMS.get(_error_code(entry.body), SEARCH_PROBLEMS[""])
            elif entry.status != 200:
                raise UpstreamUnavailableError(f"articles answered {entry.status} to a search")
            else:
                results = orjson.loads(entry.body)
        sections = await section_tree(gw, caller)
        context: dict[str, Any] = {"q": query, "results": _items(results), "sections": sections}
        context["next_cursor"] = (results or {}).get("next_cursor")
        context["problem"] = problem
        return Page("search.html", context, tags=(LISTS,))

    return await serve_page(request, gw, session, key=None, build=build)
