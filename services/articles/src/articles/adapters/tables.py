"""Database tables of the articles service (no schema: the service schema is on the search path)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR

from common.outbox import outbox_table

metadata = MetaData()

sections = Table(
    "sections",
    metadata,
    Column("id", Integer, Identity(), primary_key=True),
    Column("parent_id", Integer, ForeignKey("sections.id", ondelete="RESTRICT"), nullable=True),
    Column("slug", String(80), nullable=False, unique=True),
    Column("name", String(60), nullable=False),
    Column("description", String(500), nullable=False, server_default=""),
    Column("position", Integer, nullable=False, server_default="0"),
    # NULL means "inherit from the parent section"
    Column("comment_policy", String(10), nullable=True),
    Column("comments_open", Boolean, nullable=True),
    Column("comment_max_length", Integer, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("comment_policy IN ('pre', 'first', 'post')", name="ck_sections_policy"),
)

articles = Table(
    "articles",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("section_id", Integer, ForeignKey("sections.id", ondelete="RESTRICT"), nullable=False),
    Column("status", String(12), nullable=False, server_default="draft"),
    Column("slug", String(120), nullable=False, unique=True),
    Column("title", String(200), nullable=False),
    Column("subtitle", String(200), nullable=False, server_default=""),
    Column("summary", String(500), nullable=False, server_default=""),
    Column("body_html", Text, nullable=False, server_default=""),
    Column("body_text", Text, nullable=False, server_default=""),
    Column("source", String(100), nullable=False, server_default=""),
    Column("author", String(100), nullable=False, server_default=""),
    Column("tags", ARRAY(String(40)), nullable=False, server_default="{}"),
    Column("keywords", ARRAY(String(40)), nullable=False, server_default="{}"),
    Column("cover_image_url", String(500), nullable=False, server_default=""),
    Column("search_vector", TSVECTOR, nullable=False, server_default=text("''::tsvector")),
    Column("revision", Integer, nullable=False, server_default="1"),
    Column("favourite_count", Integer, nullable=False, server_default="0"),
    Column("recommend_count", Integer, nullable=False, server_default="0"),
    Column("scheduled_at", DateTime(timezone=True), nullable=True),
    Column("published_at", DateTime(timezone=True), nullable=True),
    Column("created_by", BigInteger, nullable=True),
    Column("updated_by", BigInteger, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint(
        "status IN ('draft', 'scheduled', 'published', 'archived', 'deleted')",
        name="ck_articles_status",
    ),
    Index(
        "ix_articles_published_order",
        text("published_at DESC"),
        text("id DESC"),
        postgresql_where=text("status = 'published'"),
    ),
    Index(
        "ix_articles_section_published_order",
        "section_id",
        text("published_at DESC"),
        text("id DESC"),
        postgresql_where=text("status = 'published'"),
    ),
    Index(
        "ix_articles_due",
        "scheduled_at",
        postgresql_where=text("status = 'scheduled'"),
    ),
    Index("ix_articles_status_updated", "status", text("updated_at DESC"), text("id DESC")),
    Index("ix_articles_search", "search_vector", postgresql_using="gin"),
    Index("ix_articles_tags", "tags", postgresql_using="gin"),
    Index("ix_articles_keywords", "keywords", postgresql_using="gin"),
)

article_revisions = Table(
    "article_revisions",
    metadata,
    Column(
        "article_id", BigInteger, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("revision", Integer, primary_key=True),
    Column("section_id", Integer, nullable=False),
    Column("title", String(200), nullable=False),
    Column("subtitle", String(200), nullable=False),
    Column("summary", String(500), nullable=False),
    Column("body_html", Text, nullable=False),
    Column("source", String(100), nullable=False),
    Column("author", String(100), nullable=False),
    Column("tags", ARRAY(String(40)), nullable=False),
    Column("cover_image_url", String(500), nullable=False),
    Column("note", String(200), nullable=False, server_default=""),
    Column("created_by", BigInteger, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

favourites = Table(
    "favourites",
    metadata,
    Column(
        "article_id", BigInteger, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("user_id", BigInteger, primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_favourites_user", "user_id", text("created_at DESC")),
)

recommends = Table(
    "recommends",
    metadata,
    Column(
        "article_id", BigInteger, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("voter", String(80), primary_key=True),  # "u:<user id>" or "v:<client id>"
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

outbox = outbox_table(metadata)
