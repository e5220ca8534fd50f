"""deferred counts: on PostgreSQL the annotations' counts trigger runs at the commit

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 06:00:00

The trigger that keeps ``document_counts`` and ``source_counts`` (reader/counts.py)
becomes a constraint trigger, DEFERRABLE INITIALLY DEFERRED: each row's change is
counted when its transaction commits. Writers to the same document queue for that
document's counts row; it is now locked at the commit, not from the INSERT to the
commit. The trigger function is unchanged. SQLite keeps its triggers (one writer at a
time there anyway).
"""
from alembic import op


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

WATCHED = ("status", "deleted_at", "orphan", "reply_to_id", "kind", "verdict", "document_id",
           "source_id", '"start"', '"end"')


def _trigger(deferred):
    kind, timing = ("CONSTRAINT TRIGGER", "DEFERRABLE INITIALLY DEFERRED") if deferred else ("TRIGGER", "")
    return (f"CREATE {kind} counts_annotation AFTER INSERT OR DELETE OR UPDATE OF"
            f" {', '.join(WATCHED)} ON annotations {timing}"
            " FOR EACH ROW EXECUTE FUNCTION counts_annotation()")


def _replace(deferred):
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS counts_annotation ON annotations")
    op.execute(_trigger(deferred))


def upgrade():
    _replace(deferred=True)


def downgrade():
    _replace(deferred=False)
