"""corpus count slots: on PostgreSQL each connection adds to one of 32 corpus rows, not all row 0

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 03:00:00

The corpus's counts in ``document_counts`` are now the sum of the rows with
``document_id`` 0 and below. With one row, every transaction writing a published note
held it from its first write to its commit, so concurrent writers queued for it. The
trigger functions are a snapshot of reader/counts.py as of this revision. Row 0 keeps
the totals so far; the new rows start empty. SQLite keeps its one row and its triggers.
"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

SLOTS = 32
KINDS = ("note", "context", "factcheck")
VERDICTS = ("accurate", "mostly_accurate", "misleading", "false", "unsupported", "unverifiable")
WATCHED = ("status", "deleted_at", "orphan", "reply_to_id", "kind", "verdict", "document_id",
           "source_id", '"start"', '"end"')
NOW = "(now() AT TIME ZONE 'utc')"


def _published(row):
    return f"{row}.status = 'published' AND {row}.deleted_at IS NULL"


def _placed(row):
    return f"(CASE WHEN NOT {row}.orphan AND {row}.reply_to_id IS NULL THEN 1 ELSE 0 END)"


def _add(row, sign, corpus_rows):
    placed = _placed(row)
    parts = [f"published = published + ({sign})", f"notes = notes + ({sign}) * {placed}"]
    parts += [f"kind_{k} = kind_{k} + ({sign}) * {placed} * (CASE WHEN {row}.kind = '{k}' THEN 1 ELSE 0 END)"
              for k in KINDS]
    parts += [f"verdict_{v} = verdict_{v} + ({sign}) * {placed} * (CASE WHEN {row}.kind = 'factcheck' "
              f"AND {row}.verdict = '{v}' THEN 1 ELSE 0 END)" for v in VERDICTS]
    parts += [f"changes = changes + (CASE WHEN {corpus_rows} THEN 1 ELSE 0 END)",
              f"changed_at = (CASE WHEN {corpus_rows} THEN {NOW} ELSE changed_at END)"]
    return ", ".join(parts)


def _functions(corpus, corpus_rows):
    """The three trigger functions, writing the corpus row ``corpus``."""
    def count(row, sign):
        return (f"UPDATE document_counts SET {_add(row, sign, corpus_rows)}"
                f" WHERE document_id IN ({row}.document_id, {corpus});"
                f" UPDATE source_counts SET citations = citations + ({sign}) * {_placed(row)}"
                f" WHERE source_id = {row}.source_id;")

    touch = (f"UPDATE document_counts SET changes = changes + 1, changed_at = {NOW}"
             f" WHERE document_id = {corpus};")
    return (
        f"""CREATE OR REPLACE FUNCTION counts_annotation() RETURNS trigger AS $$
        BEGIN
          IF TG_OP IN ('UPDATE', 'DELETE') AND {_published('OLD')} THEN
            {count('OLD', -1)}
          END IF;
          IF TG_OP IN ('INSERT', 'UPDATE') AND {_published('NEW')} THEN
            IF NEW.source_id IS NOT NULL THEN
              INSERT INTO source_counts (source_id, citations) VALUES (NEW.source_id, 0)
                ON CONFLICT (source_id) DO NOTHING;
            END IF;
            {count('NEW', 1)}
          END IF;
          RETURN NULL;
        END $$ LANGUAGE plpgsql""",
        f"""CREATE OR REPLACE FUNCTION counts_document() RETURNS trigger AS $$
        BEGIN
          IF TG_OP = 'INSERT' THEN
            INSERT INTO document_counts (document_id) VALUES (NEW.id)
              ON CONFLICT (document_id) DO NOTHING;
          ELSIF TG_OP = 'DELETE' THEN
            DELETE FROM document_counts WHERE document_id = OLD.id;
          END IF;
          {touch}
          RETURN NULL;
        END $$ LANGUAGE plpgsql""",
        f"""CREATE OR REPLACE FUNCTION counts_source() RETURNS trigger AS $$
        BEGIN {touch} RETURN NULL; END $$ LANGUAGE plpgsql""",
    )


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(sa.text("INSERT INTO document_counts (document_id, changes)"
                       f" SELECT -n, 0 FROM generate_series(1, {SLOTS - 1}) AS n"
                       " ON CONFLICT (document_id) DO NOTHING"))
    for statement in _functions(f"(-(pg_backend_pid() % {SLOTS}))", "document_id <= 0"):
        op.execute(sa.text(statement))


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in _functions("0", "document_id = 0"):
        op.execute(sa.text(statement))
    # the sums carry on in row 0: the change counter never goes back
    sums = ", ".join(f"{c} = (SELECT sum({c}) FROM document_counts WHERE document_id <= 0)"
                     for c in ("published", "notes", *(f"kind_{k}" for k in KINDS),
                               *(f"verdict_{v}" for v in VERDICTS), "changes"))
    op.execute(sa.text(f"UPDATE document_counts SET {sums}, changed_at ="
                       " (SELECT max(changed_at) FROM document_counts WHERE document_id <= 0)"
                       " WHERE document_id = 0"))
    op.execute(sa.text("DELETE FROM document_counts WHERE document_id < 0"))
