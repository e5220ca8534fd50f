"""count later: on PostgreSQL a bulk import's inserts are counted per batch, not per row

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 07:00:00

The counts trigger on ``annotations`` skips an insert while its transaction has set
``reader.count_later`` to 'on' (with set_config, local to that transaction): a bulk import
then counts the batch's rows in one statement per table (counts.count_inserted). Every
other transaction, and every update and delete, is counted row by row as before. Within
one transaction, updating the same two count rows once per inserted note made each
update slower than the last. The function is a snapshot of reader/counts.py as of this
revision. SQLite's triggers are unchanged (a bulk import sets them aside in its
transaction).
Since 0019 the trigger runs at the commit: the import makes it run at each statement
(SET CONSTRAINTS ... IMMEDIATE) while the setting is on.
"""
from alembic import op
import sqlalchemy as sa


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

SLOTS = 32
KINDS = ("note", "context", "factcheck")
VERDICTS = ("accurate", "mostly_accurate", "misleading", "false", "unsupported", "unverifiable")
NOW = "(now() AT TIME ZONE 'utc')"
CORPUS = f"(-(pg_backend_pid() % {SLOTS}))"
SKIP = """IF TG_OP = 'INSERT' AND current_setting('reader.count_later', true) = 'on' THEN
            RETURN NULL;
          END IF;"""


def _published(row):
    return f"{row}.status = 'published' AND {row}.deleted_at IS NULL"


def _placed(row):
    return f"(CASE WHEN NOT {row}.orphan AND {row}.reply_to_id IS NULL THEN 1 ELSE 0 END)"


def _count(row, sign):
    placed = _placed(row)
    parts = [f"published = published + ({sign})", f"notes = notes + ({sign}) * {placed}"]
    parts += [f"kind_{k} = kind_{k} + ({sign}) * {placed} * (CASE WHEN {row}.kind = '{k}' THEN 1 ELSE 0 END)"
              for k in KINDS]
    parts += [f"verdict_{v} = verdict_{v} + ({sign}) * {placed} * (CASE WHEN {row}.kind = 'factcheck' "
              f"AND {row}.verdict = '{v}' THEN 1 ELSE 0 END)" for v in VERDICTS]
    parts += ["changes = changes + (CASE WHEN document_id <= 0 THEN 1 ELSE 0 END)",
              f"changed_at = (CASE WHEN document_id <= 0 THEN {NOW} ELSE changed_at END)"]
    return (f"UPDATE document_counts SET {', '.join(parts)}"
            f" WHERE document_id IN ({row}.document_id, {CORPUS});"
            f" UPDATE source_counts SET citations = citations + ({sign}) * {placed}"
            f" WHERE source_id = {row}.source_id;")


def _function(skip):
    return f"""CREATE OR REPLACE FUNCTION counts_annotation() RETURNS trigger AS $$
        BEGIN
          {skip}
          IF TG_OP IN ('UPDATE', 'DELETE') AND {_published('OLD')} THEN
            {_count('OLD', -1)}
          END IF;
          IF TG_OP IN ('INSERT', 'UPDATE') AND {_published('NEW')} THEN
            IF NEW.source_id IS NOT NULL THEN
              INSERT INTO source_counts (source_id, citations) VALUES (NEW.source_id, 0)
                ON CONFLICT (source_id) DO NOTHING;
            END IF;
            {_count('NEW', 1)}
          END IF;
          RETURN NULL;
        END $$ LANGUAGE plpgsql"""


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.text(_function(SKIP)))


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.text(_function("")))
