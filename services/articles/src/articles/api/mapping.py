"""Domain objects to response bodies.

The article shapes (``Article``, ``ArticleSummary``, ``ArticlePage``: the hot read paths)
are built as plain dicts and serialised once; the section shapes as response models.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Response

from articles.api.schemas import (
    CommentSettingsOut,
    SectionDetail,
    SectionNode,
    SectionOut,
    SectionRef,
)
from articles.domain.reading import ArticleView
from articles.domain.records import Article, Neighbour, Page
from articles.domain.sections import Section, SectionTree


def section_ref(section: Section) -> SectionRef:
    """Name and link of a section."""
    return SectionRef(id=section.id, name=section.name, slug=section.slug)


def _settings(tree: SectionTree, section_id: int) -> CommentSettingsOut:
    eff = tree.effective(section_id)
    return CommentSettingsOut(
        comment_policy=eff.comment_policy,
        comments_open=eff.comments_open,
        comment_max_length=eff.comment_max_length,
    )


def section_out(tree: SectionTree, section: Section) -> SectionOut:
    """A section with its own and effective settings."""
    return SectionOut(
        id=section.id,
        name=section.name,
        slug=section.slug,
        parent_id=section.parent_id,
        position=section.position,
        description=section.description,
        comment_policy=section.comment_policy,
        comments_open=section.comments_open,
        comment_max_length=section.comment_max_length,
        effective=_settings(tree, section.id),
    )


def section_node(tree: SectionTree, section: Section) -> SectionNode:
    """A section and, recursively, its children."""
    children = [section_node(tree, c) for c in tree.children.get(section.id, [])]
    return SectionNode(**section_out(tree, section).model_dump(), children=children)


def section_detail(tree: SectionTree, section_id: int) -> SectionDetail:
    """A section with breadcrumbs and direct children."""
    section = tree.get(section_id)
    return SectionDetail(
        **section_out(tree, section).model_dump(),
        breadcrumbs=[section_ref(s) for s in tree.path(section_id)],
        children=[section_ref(c) for c in tree.children.get(section_id, [])],
    )


def section_ref_body(section: Section) -> dict[str, Any]:
    """``SectionRef`` as a plain dict."""
    return {"id": section.id, "name": section.name, "slug": section.slug}


def summary_body(article: Article) -> dict[str, Any]:
    """``ArticleSummary``: an article as listed."""
    c = article.content
    return {
        "id": article.id,
        "slug": article.slug,
        "title": c.title,
        "subtitle": c.subtitle,
        "summary": c.summary,
        "section_id": article.section_id,
        "author": c.author,
        "source": c.source,
        "tags": list(c.tags),
        "cover_image_url": c.cover_image_url,
        "status": article.status,  # deleted articles never reach a response
        "published_at": article.published_at,
        "updated_at": article.updated_at,
        "favourite_count": article.favourite_count,
        "recommend_count": article.recommend_count,
    }


def _neighbour(n: Neighbour | None) -> dict[str, Any] | None:
    if n is None:
        return None
    return {"id": n.id, "slug": n.slug, "title": n.title, "published_at": n.published_at}


def article_body(view: ArticleView, *, favourited: bool | None = None) -> dict[str, Any]:
    """``ArticleOut``: an article with section, breadcrumbs, neighbours and comment settings."""
    a, tree = view.article, view.tree
    eff = tree.effective(a.section_id)
    return {
        **summary_body(a),
        "body_html": a.content.body_html,
        "revision": a.revision,
        "created_at": a.created_at,
        "scheduled_at": a.scheduled_at,
        "section": section_ref_body(tree.get(a.section_id)),
        "breadcrumbs": [section_ref_body(s) for s in tree.path(a.section_id)],
        "previous": _neighbour(view.previous),
        "next": _neighbour(view.next),
        "comments": {
            "comment_policy": eff.comment_policy,
            "comments_open": eff.comments_open,
            "comment_max_length": eff.comment_max_length,
        },
        "favourited": favourited,
    }


def page_body(page: Page, *, page_number: int | None = None) -> dict[str, Any]:
    """``ArticlePage``: a page of summaries."""
    return {
        "items": [summary_body(a) for a in page.items],
        "next_cursor": page.next_cursor,
        "page": page_number,
        "total": page.total,
    }


def json_response(body: Any, *, status_code: int = 200) -> Response:
    """A body serialised once (orjson; UTC timestamps end in ``Z`` as everywhere else).

    Routes answering the article shapes return this instead of a response model: FastAPI
    would validate the model again and encode it twice. The shapes stay documented by the
    models in ``schemas`` (``response_model=``); tests check the bodies against them.
    """
    return Response(
        orjson.dumps(body, option=orjson.OPT_UTC_Z),
        status_code=status_code,
        media_type="application/json",
    )
