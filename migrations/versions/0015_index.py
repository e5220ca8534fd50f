"""index: kept counts of the notes readers see, indexes for the paged document index

Revision ID: 0015
Revises: 0008
Create Date: 2026-12-02 02:00:00

``document_counts`` and ``source_counts`` are kept by triggers; their DDL is a snapshot
of reader/counts.py as of this revision (a migration must not change when the app's
code does), and the tables are filled from the rows already there.
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0012'
branch_labels = None
depends_on = None

KINDS = ("note", "context", "factcheck")
VERDICTS = ("accurate", "mostly_accurate", "misleading", "false", "unsupported", "unverifiable")
COUNT_COLUMNS = ("published", "notes", *(f"kind_{k}" for k in KINDS),
                 *(f"verdict_{v}" for v in VERDICTS))
WATCHED = ("status", "deleted_at", "orphan", "reply_to_id", "kind", "verdict", "document_id",
           "source_id", '"start"', '"end"')


def _visible(row):
    return (f"{row}.status = 'published' AND {row}.deleted_at IS NULL AND NOT {row}.orphan"
            f" AND {row}.reply_to_id IS NULL")


def _published(row):
    return f"{row}.status = 'published' AND {row}.deleted_at IS NULL"


def _placed(row):
    return f"(CASE WHEN NOT {row}.orphan AND {row}.reply_to_id IS NULL THEN 1 ELSE 0 END)"


def _add(row, sign, now):
    placed = _placed(row)
    parts = [f"published = published + ({sign})", f"notes = notes + ({sign}) * {placed}"]
    parts += [f"kind_{k} = kind_{k} + ({sign}) * {placed} * (CASE WHEN {row}.kind = '{k}' THEN 1 ELSE 0 END)"
              for k in KINDS]
    parts += [f"verdict_{v} = verdict_{v} + ({sign}) * {placed} * (CASE WHEN {row}.kind = 'factcheck' "
              f"AND {row}.verdict = '{v}' THEN 1 ELSE 0 END)" for v in VERDICTS]
    parts += ["changes = changes + (CASE WHEN document_id = 0 THEN 1 ELSE 0 END)",
              f"changed_at = (CASE WHEN document_id = 0 THEN {now} ELSE changed_at END)"]
    return ", ".join(parts)


def _count(row, sign, now):
    return (f"UPDATE document_counts SET {_add(row, sign, now)}"
            f" WHERE document_id IN ({row}.document_id, 0);"
            f" UPDATE source_counts SET citations = citations + ({sign}) * {_placed(row)}"
            f" WHERE source_id = {row}.source_id;")


def _touch(now):
    return f"UPDATE document_counts SET changes = changes + 1, changed_at = {now} WHERE document_id = 0;"


SQLITE_NOW = "CURRENT_TIMESTAMP"
SOURCE_ROW = ("INSERT OR IGNORE INTO source_counts (source_id, citations)"
              " SELECT new.source_id, 0 WHERE new.source_id IS NOT NULL;")
SQLITE_UP = (
    f"""CREATE TRIGGER counts_annotation_insert AFTER INSERT ON annotations
        WHEN {_published('new')} BEGIN {SOURCE_ROW} {_count('new', 1, SQLITE_NOW)} END""",
    f"""CREATE TRIGGER counts_annotation_update_old AFTER UPDATE OF {', '.join(WATCHED)}
        ON annotations WHEN {_published('old')} BEGIN {_count('old', -1, SQLITE_NOW)} END""",
    f"""CREATE TRIGGER counts_annotation_update_new AFTER UPDATE OF {', '.join(WATCHED)}
        ON annotations WHEN {_published('new')} BEGIN {SOURCE_ROW} {_count('new', 1, SQLITE_NOW)} END""",
    f"""CREATE TRIGGER counts_annotation_delete AFTER DELETE ON annotations
        WHEN {_published('old')} BEGIN {_count('old', -1, SQLITE_NOW)} END""",
    f"""CREATE TRIGGER counts_document_insert AFTER INSERT ON documents BEGIN
          INSERT OR IGNORE INTO document_counts (document_id) VALUES (new.id); {_touch(SQLITE_NOW)}
        END""",
    f"CREATE TRIGGER counts_document_update AFTER UPDATE ON documents BEGIN {_touch(SQLITE_NOW)} END",
    f"""CREATE TRIGGER counts_document_delete AFTER DELETE ON documents BEGIN
          DELETE FROM document_counts WHERE document_id = old.id; {_touch(SQLITE_NOW)}
        END""",
    f"CREATE TRIGGER counts_source_change AFTER UPDATE ON sources BEGIN {_touch(SQLITE_NOW)} END",
)
SQLITE_DOWN = tuple(f"DROP TRIGGER IF EXISTS {name}" for name in (
    "counts_annotation_insert", "counts_annotation_update_old", "counts_annotation_update_new",
    "counts_annotation_delete", "counts_document_insert", "counts_document_update",
    "counts_document_delete", "counts_source_change"))

PG_NOW = "(now() AT TIME ZONE 'utc')"
POSTGRESQL_UP = (
    f"""CREATE OR REPLACE FUNCTION counts_annotation() RETURNS trigger AS $$
        BEGIN
          IF TG_OP IN ('UPDATE', 'DELETE') AND {_published('OLD')} THEN
            {_count('OLD', -1, PG_NOW)}
          END IF;
          IF TG_OP IN ('INSERT', 'UPDATE') AND {_published('NEW')} THEN
            IF NEW.source_id IS NOT NULL THEN
              INSERT INTO source_counts (source_id, citations) VALUES (NEW.source_id, 0)
                ON CONFLICT (source_id) DO NOTHING;
            END IF;
            {_count('NEW', 1, PG_NOW)}
          END IF;
          RETURN NULL;
        END $$ LANGUAGE plpgsql""",
    f"""CREATE TRIGGER counts_annotation
        AFTER INSERT OR DELETE OR UPDATE OF {', '.join(WATCHED)} ON annotations
        FOR EACH ROW EXECUTE FUNCTION counts_annotation()""",
    f"""CREATE OR REPLACE FUNCTION counts_document() RETURNS trigger AS $$
        BEGIN
          IF TG_OP = 'INSERT' THEN
            INSERT INTO document_counts (document_id) VALUES (NEW.id)
              ON CONFLICT (document_id) DO NOTHING;
          ELSIF TG_OP = 'DELETE' THEN
            DELETE FROM document_counts WHERE document_id = OLD.id;
          END IF;
          {_touch(PG_NOW)}
          RETURN NULL;
        END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER counts_document AFTER INSERT OR UPDATE OR DELETE ON documents
       FOR EACH ROW EXECUTE FUNCTION counts_document()""",
    f"""CREATE OR REPLACE FUNCTION counts_source() RETURNS trigger AS $$
        BEGIN {_touch(PG_NOW)} RETURN NULL; END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER counts_source AFTER UPDATE ON sources
       FOR EACH STATEMENT EXECUTE FUNCTION counts_source()""",
)
POSTGRESQL_DOWN = (
    "DROP TRIGGER IF EXISTS counts_annotation ON annotations",
    "DROP TRIGGER IF EXISTS counts_document ON documents",
    "DROP TRIGGER IF EXISTS counts_source ON sources",
    "DROP FUNCTION IF EXISTS counts_annotation()",
    "DROP FUNCTION IF EXISTS counts_document()",
    "DROP FUNCTION IF EXISTS counts_source()",
)


def _sums():
    placed = _placed("a")
    kinds = [f"SUM({placed} * CASE WHEN a.kind = '{k}' THEN 1 ELSE 0 END)" for k in KINDS]
    verdicts = [f"SUM({placed} * CASE WHEN a.kind = 'factcheck' AND a.verdict = '{v}' THEN 1 "
                "ELSE 0 END)" for v in VERDICTS]
    return ", ".join(["COUNT(a.id)", f"COALESCE(SUM({placed}), 0)",
                      *(f"COALESCE({s}, 0)" for s in kinds + verdicts)])


# partial indexes: only the rows where the column is set (see models._sparse)
SPARSE = ("reply_to_id", "deleted_at", "pending_status", "changes_requested_at")


def _sparse_index(name, columns, column):
    where = sa.text(f"{column} IS NOT NULL")
    op.create_index(name, 'annotations', columns, sqlite_where=where, postgresql_where=where)


def _run(statements):
    for statement in statements.get(op.get_bind().dialect.name, ()):
        op.execute(sa.text(statement))


def upgrade():
    counts = [sa.Column(name, sa.Integer(), server_default='0', nullable=False)
              for name in COUNT_COLUMNS]
    op.create_table(
        'document_counts',
        sa.Column('document_id', sa.Integer(), autoincrement=False, nullable=False),
        *counts,
        sa.Column('changes', sa.BigInteger(), server_default='0', nullable=False),
        sa.Column('changed_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('document_id', name=op.f('pk_document_counts')),
    )
    op.create_index('ix_document_counts_notes', 'document_counts', ['notes', 'document_id'])
    op.create_table(
        'source_counts',
        sa.Column('source_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('citations', sa.Integer(), server_default='0', nullable=False),
        sa.PrimaryKeyConstraint('source_id', name=op.f('pk_source_counts')),
    )
    op.create_index('ix_source_counts_citations', 'source_counts', ['citations', 'source_id'])
    op.create_index('ix_documents_published_on', 'documents', ['published_on', 'id'])
    op.create_index('ix_documents_title', 'documents', ['title', 'id'])
    op.create_index('ix_documents_outlet', 'documents', ['outlet'])
    op.create_index('ix_documents_author', 'documents', ['author'])
    op.create_index('ix_documents_revision', 'documents', ['revision', 'modified_at'])
    op.create_index('ix_annotations_status_id', 'annotations', ['status', 'id'])
    op.create_index('ix_annotations_source_status', 'annotations',
                    ['source_id', 'status', 'deleted_at'])
    op.drop_index('ix_annotations_reply_to_id', table_name='annotations')
    for column in SPARSE:
        _sparse_index(f'ix_annotations_{column}', [column], column)
    _sparse_index('ix_annotations_creator_pending', ['creator_id', 'pending_status'],
                  'pending_status')
    _run({"sqlite": SQLITE_UP, "postgresql": POSTGRESQL_UP})
    columns = ", ".join(COUNT_COLUMNS)
    visible, published = _visible("a"), _published("a")
    op.execute(sa.text(
        f"INSERT INTO document_counts (document_id, {columns}, changes) SELECT d.id, {_sums()}, 0"
        f" FROM documents d LEFT JOIN annotations a ON a.document_id = d.id AND {published}"
        " GROUP BY d.id"))
    op.execute(sa.text(
        f"INSERT INTO document_counts (document_id, {columns}, changes) SELECT 0, {_sums()}, 0"
        f" FROM annotations a WHERE {published}"))
    op.execute(sa.text(
        "INSERT INTO source_counts (source_id, citations) SELECT a.source_id, COUNT(*)"
        f" FROM annotations a WHERE a.source_id IS NOT NULL AND {visible} GROUP BY a.source_id"))


def downgrade():
    _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRESQL_DOWN})
    op.drop_index('ix_annotations_creator_pending', table_name='annotations')
    for column in SPARSE:
        op.drop_index(f'ix_annotations_{column}', table_name='annotations')
    op.create_index('ix_annotations_reply_to_id', 'annotations', ['reply_to_id'])
    op.drop_index('ix_annotations_source_status', table_name='annotations')
    op.drop_index('ix_annotations_status_id', table_name='annotations')
    op.drop_index('ix_documents_revision', table_name='documents')
    op.drop_index('ix_documents_author', table_name='documents')
    op.drop_index('ix_documents_outlet', table_name='documents')
    op.drop_index('ix_documents_title', table_name='documents')
    op.drop_index('ix_documents_published_on', table_name='documents')
    op.drop_index('ix_source_counts_citations', table_name='source_counts')
    op.drop_table('source_counts')
    op.drop_index('ix_document_counts_notes', table_name='document_counts')
    op.drop_table('document_counts')
