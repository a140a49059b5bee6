"""Domain objects to response bodies."""

from __future__ import annotations

from typing import Any

from articles.api.schemas import (
    ArticleOut,
    ArticlePage,
    ArticleSummary,
    CommentSettingsOut,
    NeighbourOut,
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


def summary_fields(article: Article) -> dict[str, Any]:
    """The fields of an article as listed, for building a response model once."""
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


def summary(article: Article) -> ArticleSummary:
    """An article as listed."""
    return ArticleSummary(**summary_fields(article))


def _neighbour(n: Neighbour | None) -> NeighbourOut | None:
    return (
        NeighbourOut(id=n.id, slug=n.slug, title=n.title, published_at=n.published_at)
        if n
        else None
    )


def article_out(view: ArticleView, *, favourited: bool | None = None) -> ArticleOut:
    """An article with section, breadcrumbs, neighbours and comment settings."""
    a, tree = view.article, view.tree
    return ArticleOut(
        **summary_fields(a),
        body_html=a.content.body_html,
        revision=a.revision,
        created_at=a.created_at,
        scheduled_at=a.scheduled_at,
        section=section_ref(tree.get(a.section_id)),
        breadcrumbs=[section_ref(s) for s in tree.path(a.section_id)],
        previous=_neighbour(view.previous),
        next=_neighbour(view.next),
        comments=_settings(tree, a.section_id),
        favourited=favourited,
    )


def page_out(page: Page, *, page_number: int | None = None) -> ArticlePage:
    """A page of summaries."""
    return ArticlePage(
        items=[summary(a) for a in page.items],
        next_cursor=page.next_cursor,
        page=page_number,
        total=page.total,
    )
