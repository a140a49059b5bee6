"""search vectors index the single CJK characters of every word

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07 13:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500


def upgrade() -> None:
    """Rebuild every article's search vector with the indexing rules of this revision."""
    from articles.domain.search_text import search_document
    from articles.domain.segmentation import add_domain_words

    bind = op.get_bind()
    after = 0
    while True:
        rows = bind.execute(
            sa.text(
                "SELECT id, title, summary, body_text, tags FROM articles"
                " WHERE id > :after ORDER BY id LIMIT :n"
            ),
            {"after": after, "n": BATCH},
        ).all()
        if not rows:
            return
        for row in rows:
            add_domain_words(row.tags or [])
            document = search_document(
                title=row.title, summary=row.summary or "", body=row.body_text or ""
            )
            bind.execute(
                sa.text("UPDATE articles SET search_vector = CAST(:doc AS tsvector) WHERE id = :id"),
                {"doc": document, "id": row.id},
            )
        after = rows[-1].id


def downgrade() -> None:
    """Nothing to undo: the older rules simply ignore the extra terms."""
