"""The comments service's tables (its own schema; no table names a schema)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from common.idempotency import processed_events_table
from common.outbox import outbox_table

metadata = MetaData()
outbox = outbox_table(metadata)
processed_events = processed_events_table(metadata)


def _now_column(name: str) -> Column[object]:
    return Column(name, DateTime(timezone=True), nullable=False, server_default=func.now())


articles = Table(
    "articles",  # replica of the articles service's state, built only from its events
    metadata,
    Column("article_id", BigInteger, primary_key=True, autoincrement=False),
    Column("section_id", Integer, nullable=False),
    Column("section_path", ARRAY(Integer), nullable=False, server_default="{}"),
    Column("title", Text, nullable=False, server_default=""),
    Column("status", String(16), nullable=False),
    Column("status_at", DateTime(timezone=True), nullable=False),
    Column("comment_policy", String(8), nullable=False, server_default="pre"),
    Column("comments_open", Boolean, nullable=False, server_default=text("true")),
    Column("comment_max_length", Integer, nullable=False, server_default="250"),
    Column("settings_at", DateTime(timezone=True), nullable=False),
    _now_column("updated_at"),
)

section_settings = Table(
    "section_settings",  # effective settings per section from section.settings_changed
    metadata,
    Column("section_id", Integer, primary_key=True, autoincrement=False),
    Column("comment_policy", String(8), nullable=False),
    Column("comments_open", Boolean, nullable=False),
    Column("comment_max_length", Integer, nullable=False),
    Column("settings_at", DateTime(timezone=True), nullable=False),
)

comments = Table(
    "comments",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("article_id", BigInteger, nullable=False),
    Column("section_id", Integer, nullable=True),
    Column("section_path", ARRAY(Integer), nullable=False, server_default="{}"),
    Column("parent_id", BigInteger, ForeignKey("comments.id"), nullable=True),
    Column("root_id", BigInteger, nullable=True),  # top-level comment of the thread
    Column("depth", SmallInteger, nullable=False, server_default="0"),
    Column("user_id", BigInteger, nullable=True),
    Column("author_name", String(64), nullable=False),
    Column("is_anonymous", Boolean, nullable=False),
    Column("contact", String(200), nullable=True),
    Column("client_id", String(128), nullable=False),
    Column("body", Text, nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("reasons", ARRAY(String(64)), nullable=False, server_default="{}"),
    Column("phases", JSONB, nullable=False),
    _now_column("created_at"),
    Column("published_at", DateTime(timezone=True), nullable=True),
    Column("decided_at", DateTime(timezone=True), nullable=True),
    Column("decided_by", BigInteger, nullable=True),  # NULL: the pipeline decided
    Column("decided_by_name", String(64), nullable=True),
    Column("decision_reason", String(200), nullable=True),
    Column("claimed_by", BigInteger, nullable=True),
    Column("claimed_by_name", String(64), nullable=True),
    Column("claim_expires_at", DateTime(timezone=True), nullable=True),
    Column("like_count", Integer, nullable=False, server_default="0"),
    Column("report_count", Integer, nullable=False, server_default="0"),
    Column("last_reported_at", DateTime(timezone=True), nullable=True),
    Index(
        "ix_comments_thread_roots",
        "article_id",
        "id",
        postgresql_where=text("status = 'approved' AND parent_id IS NULL"),
    ),
    Index("ix_comments_replies", "root_id", postgresql_where=text("status = 'approved'")),
    Index(
        "ix_comments_approved_article", "article_id", postgresql_where=text("status = 'approved'")
    ),
    Index("ix_comments_latest", "published_at", postgresql_where=text("status = 'approved'")),
    Index("ix_comments_queue", "created_at", postgresql_where=text("status = 'pending'")),
    Index(
        "ix_comments_reported",
        "last_reported_at",
        postgresql_where=text("status = 'approved' AND report_count > 0"),
    ),
    Index("ix_comments_user", "user_id", "created_at"),
    Index(
        "ix_comments_client", "client_id", "created_at", postgresql_where=text("user_id IS NULL")
    ),
)

likes = Table(
    "comment_likes",
    metadata,
    Column("comment_id", BigInteger, ForeignKey("comments.id"), primary_key=True),
    Column("liker", String(140), primary_key=True),  # "u:<user id>" or "c:<client id>"
    _now_column("created_at"),
)

reports = Table(
    "comment_reports",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("comment_id", BigInteger, ForeignKey("comments.id"), nullable=False),
    Column("reporter", String(140), nullable=False),
    Column("reason", String(16), nullable=False),
    Column("note", String(500), nullable=False, server_default=""),
    _now_column("created_at"),
    UniqueConstraint("comment_id", "reporter", name="uq_comment_reports_reporter"),
)

word_entries = Table(
    "word_entries",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("list", String(16), nullable=False),  # banned | suspect | allow
    Column("word", Text, nullable=False),
    Column("normalized", Text, nullable=False),
    _now_column("created_at"),
    Column("created_by", BigInteger, nullable=True),
    UniqueConstraint("list", "normalized", name="uq_word_entries_list_normalized"),
)

word_list_version = Table(
    "word_list_version",  # one row; bumped with every edit so every copy rebuilds its matcher
    metadata,
    Column("id", SmallInteger, primary_key=True, autoincrement=False),
    Column("version", BigInteger, nullable=False),
)

bans = Table(
    "bans",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("subject_type", String(8), nullable=False),  # user | client
    Column("subject", String(128), nullable=False),
    Column("kind", String(8), nullable=False),  # ban | suspend
    Column("until", DateTime(timezone=True), nullable=True),  # NULL: until lifted
    Column("reason", String(200), nullable=False),
    _now_column("created_at"),
    Column("created_by", BigInteger, nullable=False),
    Column("lifted_at", DateTime(timezone=True), nullable=True),
    Column("lifted_by", BigInteger, nullable=True),
    Index("ix_bans_subject", "subject_type", "subject"),
)

audit = Table(
    "moderation_audit",  # append-only: a trigger refuses UPDATE, DELETE and TRUNCATE
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    _now_column("at"),
    Column("actor_id", BigInteger, nullable=True),  # NULL: the pipeline
    Column("actor_name", String(64), nullable=False),
    Column("action", String(40), nullable=False),
    Column("comment_id", BigInteger, nullable=True),
    Column("subject", String(200), nullable=True),
    Column("reason", Text, nullable=False, server_default=""),
    Column("detail", JSONB, nullable=False, server_default="{}"),
    Index("ix_moderation_audit_comment", "comment_id"),
)
