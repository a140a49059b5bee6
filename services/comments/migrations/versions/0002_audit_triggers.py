"""audit every status change; make the audit log append-only; word list version row

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 02:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SET search_path FROM CURRENT pins the functions to the schema being migrated, so a
# session with another search path still writes into this schema's audit table.
AUDIT_STATUS = """CREATE FUNCTION comments_audit_status() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO moderation_audit (actor_id, actor_name, action, comment_id, reason, detail)
    VALUES (NULL, 'pipeline', 'comment.submitted', NEW.id, array_to_string(NEW.reasons, ','),
            jsonb_build_object('status', NEW.status, 'reasons', to_jsonb(NEW.reasons)));
  ELSIF NEW.status IS DISTINCT FROM OLD.status THEN
    INSERT INTO moderation_audit (actor_id, actor_name, action, comment_id, reason, detail)
    VALUES (NEW.decided_by, coalesce(NEW.decided_by_name, 'pipeline'), 'comment.' || NEW.status,
            NEW.id, coalesce(NEW.decision_reason, ''),
            jsonb_build_object('from', OLD.status, 'to', NEW.status));
  END IF;
  RETURN NULL;
END $$"""

AUDIT_STATUS_TRIGGER = """CREATE TRIGGER comments_audit_status AFTER INSERT OR UPDATE OF status ON comments
FOR EACH ROW EXECUTE FUNCTION comments_audit_status()"""

APPEND_ONLY = """CREATE FUNCTION moderation_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'moderation_audit is append-only (% refused)', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$"""

APPEND_ONLY_TRIGGERS = (
    """CREATE TRIGGER moderation_audit_no_change BEFORE UPDATE OR DELETE ON moderation_audit
FOR EACH ROW EXECUTE FUNCTION moderation_audit_append_only()""",
    """CREATE TRIGGER moderation_audit_no_truncate BEFORE TRUNCATE ON moderation_audit
FOR EACH STATEMENT EXECUTE FUNCTION moderation_audit_append_only()""",
)


def upgrade() -> None:
    op.execute(AUDIT_STATUS)
    op.execute(AUDIT_STATUS_TRIGGER)
    op.execute(APPEND_ONLY)
    for statement in APPEND_ONLY_TRIGGERS:
        op.execute(statement)
    op.execute("INSERT INTO word_list_version (id, version) VALUES (1, 0)")


def downgrade() -> None:
    op.execute("DELETE FROM word_list_version")
    op.execute("DROP TRIGGER moderation_audit_no_truncate ON moderation_audit")
    op.execute("DROP TRIGGER moderation_audit_no_change ON moderation_audit")
    op.execute("DROP FUNCTION moderation_audit_append_only()")
    op.execute("DROP TRIGGER comments_audit_status ON comments")
    op.execute("DROP FUNCTION comments_audit_status()")
