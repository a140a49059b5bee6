# ruff: noqa: RUF001 - Chinese UI text uses full-width punctuation on purpose
"""Form posts on an article (comment, favourite, recommend) and the reader's favourites page."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from common.ranges import CommentId
from gateway.cache.invalidation import tags_for
from gateway.context import GatewayDep
from gateway.domain.errors import UpstreamUnavailableError
from gateway.fetch import call
from gateway.security import safe_next
from gateway.web.pages import PageNo, web_caller
from gateway.web.render import Page, plain_page, render, section_tree
from gateway.web.session import SessionDep, WebSession, apply_session, check_form

router = APIRouter(tags=["forms"], include_in_schema=False)
Csrf = Annotated[str | None, Form(max_length=100)]
FAVOURITES_PER_PAGE = 20


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def _json(body: bytes) -> dict[str, Any]:
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


@router.post("/articles/{article_id}/comments")
async def post_comment(
    article_id: int,
    request: Request,
    gw: GatewayDep,
    session: SessionDep,
    body: Annotated[str, Form(max_length=20_000)],  # longer is refused by comments, in Chinese
    nickname: Annotated[str, Form(max_length=40)] = "",
    parent_id: Annotated[str, Form(max_length=20)] = "",
    csrf_token: Csrf = None,
) -> Response:
    """Submit a comment; it shows after review (the page says so)."""
    check_form(request, session, csrf_token, gw.settings.csrf_secret)
    typed = {"body": body, "nickname": nickname, "parent_id": parent_id}
    wait = getattr(request.state, "comment_wait", None)  # over the edge's comment limit
    if wait is not None:
        retry = str(max(1, int(wait + 0.999)))
        refused = _refused(article_id, 429, {"error": "rate_limited"}, typed, session, retry)
        refused.headers["retry-after"] = retry
        return apply_session(refused, session, secure=gw.settings.cookie_secure)
    payload: dict[str, Any] = {"body": body}
    if session.anonymous:
        payload["nickname"] = nickname.strip() or "网友"
    if parent_id.isdigit():
        payload["parent_id"] = int(parent_id)
    response = await call(
        gw,
        "comments",
        "POST",
        f"/api/v1/articles/{article_id}/comments",
        caller=web_caller(request, session),
        body=orjson.dumps(payload),
        content_type="application/json",
    )
    answer = _json(response.content)
    if response.status_code < 300 and answer.get("status") == "approved":
        # published at once: the poster's next page must show it, whatever the event's
        # lag (other copies drop theirs when the comment.approved event reaches them)
        await gw.cache.cache.invalidate(tags_for("comment.approved", {"article_id": article_id}))
    if _wants_json(request):
        out: Response = JSONResponse(answer, status_code=response.status_code)
    elif response.status_code < 300:
        status = str(answer.get("status", "pending"))
        out = RedirectResponse(f"/articles/{article_id}?comment={status}#comments", 303)
    else:
        retry = response.headers.get("retry-after", "")
        out = _refused(article_id, response.status_code, answer, typed, session, retry)
    return apply_session(out, session, secure=gw.settings.cookie_secure)


_REFUSALS = {
    "too_long": "评论超过了字数上限，请删减后再提交。",
    "payload_too_large": "评论太长了，请删减后再提交。",
    "empty": "评论内容不能为空。",
    "invalid_characters": "评论中有不可见的控制字符，请删除后再提交。",
    "invalid_nickname": "昵称只能包含文字、数字、空格和 _-.· 这些符号。",
    "invalid_parent": "要回复的评论不存在或尚未公开。",
    "csrf_failed": "页面已过期，请重新提交。",
}


def refusal_message(status: int, answer: dict[str, Any], retry_after: str) -> str:
    """Why a comment was not taken, in Chinese, whatever the service said."""
    if status == 429:
        wait = f" {retry_after} 秒" if retry_after.isdigit() else "片刻"
        return f"评论太频繁了，请等{wait}后再提交。"
    if status >= 500:
        return "评论服务暂时不可用，请稍后再试。"
    return _REFUSALS.get(str(answer.get("error", "")), "评论未能提交，请检查内容后再试。")


def _refused(
    article_id: int,
    status: int,
    answer: dict[str, Any],
    typed: dict[str, str],
    session: WebSession,
    retry_after: str,
) -> Response:
    """The refusal in Chinese with the comment form again, holding what the reader typed."""
    context = {
        "article_id": article_id,
        "detail": refusal_message(status, answer, retry_after),
        "typed": typed,
    }
    page = Page("refused.html", context, status=status)
    return HTMLResponse(render(page, session), status_code=status)


async def _reaction(
    article_id: int,
    kind: str,
    request: Request,
    gw: GatewayDep,
    session: SessionDep,
    csrf_token: str | None,
    *,
    method: str = "POST",
    back: str | None = None,
) -> Response:
    check_form(request, session, csrf_token, gw.settings.csrf_secret)
    if kind == "favourite" and session.anonymous:
        target = f"/login?next=/articles/{article_id}"
        if _wants_json(request):
            return JSONResponse(
                {"error": "unauthorized", "detail": "请先登录", "login": target}, status_code=401
            )
        return RedirectResponse(target, 303)
    response = await call(
        gw,
        "articles",
        method,
        f"/api/v1/articles/{article_id}/{kind}",
        caller=web_caller(request, session),
    )
    out: Response
    if _wants_json(request):
        out = JSONResponse(_json(response.content), status_code=response.status_code)
    else:
        out = RedirectResponse(safe_next(back, f"/articles/{article_id}"), 303)
    return apply_session(out, session, secure=gw.settings.cookie_secure)


Next = Annotated[str | None, Form(max_length=200)]


@router.post("/articles/{article_id}/favourite")
async def favourite(
    article_id: int, request: Request, gw: GatewayDep, session: SessionDep, csrf_token: Csrf = None
) -> Response:
    """Add the article to the user's favourites (logged-in readers)."""
    return await _reaction(article_id, "favourite", request, gw, session, csrf_token)


@router.post("/articles/{article_id}/unfavourite")
async def unfavourite(
    article_id: int,
    request: Request,
    gw: GatewayDep,
    session: SessionDep,
    csrf_token: Csrf = None,
    next: Next = None,
) -> Response:
    """Take the article out of the user's favourites; back to ``next`` or the article."""
    return await _reaction(
        article_id, "favourite", request, gw, session, csrf_token, method="DELETE", back=next
    )


@router.post("/articles/{article_id}/recommend")
async def recommend(
    article_id: int, request: Request, gw: GatewayDep, session: SessionDep, csrf_token: Csrf = None
) -> Response:
    """Recommend the article (once per reader)."""
    return await _reaction(article_id, "recommend", request, gw, session, csrf_token)


ArticleField = Annotated[int, Form(ge=1, le=2**31 - 1)]
ReportReason = Literal["spam", "abuse", "off_topic", "illegal", "other"]


@router.post("/comments/{comment_id}/like")
async def like_comment(
    comment_id: CommentId,
    request: Request,
    gw: GatewayDep,
    session: SessionDep,
    article_id: ArticleField,
    csrf_token: Csrf = None,
) -> Response:
    """赞 a published comment (once per reader or visitor; a repeat keeps the count)."""
    check_form(request, session, csrf_token, gw.settings.csrf_secret)
    response = await call(
        gw,
        "comments",
        "POST",
        f"/api/v1/comments/{comment_id}/like",
        caller=web_caller(request, session),
    )
    answer = _json(response.content)
    out: Response
    if _wants_json(request):
        count = answer.get("like_count")
        out = JSONResponse({**answer, "count": count}, status_code=response.status_code)
    else:
        out = RedirectResponse(f"/articles/{article_id}#comment-{comment_id}", 303)
    return apply_session(out, session, secure=gw.settings.cookie_secure)


@router.post("/comments/{comment_id}/report")
async def report_comment(
    comment_id: CommentId,
    request: Request,
    gw: GatewayDep,
    session: SessionDep,
    article_id: ArticleField,
    reason: Annotated[ReportReason, Form()],
    csrf_token: Csrf = None,
) -> Response:
    """举报 a comment to the moderators; back to the article with a notice."""
    check_form(request, session, csrf_token, gw.settings.csrf_secret)
    response = await call(
        gw,
        "comments",
        "POST",
        f"/api/v1/comments/{comment_id}/report",
        caller=web_caller(request, session),
        body=orjson.dumps({"reason": reason}),
        content_type="application/json",
    )
    notice = "reported" if response.status_code < 300 else "report_failed"
    target = f"/articles/{article_id}?comment={notice}#comment-{comment_id}"
    return apply_session(RedirectResponse(target, 303), session, secure=gw.settings.cookie_secure)


@router.get("/favourites")
async def my_favourites(
    request: Request,
    gw: GatewayDep,
    session: SessionDep,
    page: PageNo = 1,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """我的收藏: the logged-in reader's favourites, newest addition first."""
    if session.anonymous:
        return RedirectResponse("/login?next=/favourites", 303)
    caller = web_caller(request, session)
    response, sections = await asyncio.gather(
        call(
            gw,
            "articles",
            "GET",
            "/api/v1/favourites",
            caller=caller,
            params=[("page", str(page)), ("limit", str(FAVOURITES_PER_PAGE))],
        ),
        section_tree(gw, caller),
    )
    if response.status_code != 200:
        raise UpstreamUnavailableError(f"articles answered {response.status_code} for favourites")
    listing = _json(response.content)
    total = listing.get("total") or 0
    context = {
        "articles": listing.get("items") or [],
        "page": page,
        "total": total,
        "has_next": page * FAVOURITES_PER_PAGE < total,
        "done": done,
        "sections": sections,
    }
    return plain_page(Page("favourites.html", context), session, secure=gw.settings.cookie_secure)
