"""search index: FTS5 tables and triggers on SQLite, GIN indexes on PostgreSQL

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 10:00:00

A snapshot of reader/search.py's DDL as of this revision (a migration must not
change when the app's code does).
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

TOKENIZER = "porter unicode61 remove_diacritics 2"

SQLITE_UP = (
    f"CREATE VIRTUAL TABLE document_fts USING fts5(title, text, tokenize='{TOKENIZER}')",
    f"CREATE VIRTUAL TABLE annotation_fts USING fts5(body, tags, tokenize='{TOKENIZER}')",
    """CREATE TRIGGER document_fts_insert AFTER INSERT ON documents BEGIN
         INSERT INTO document_fts (rowid, title, text) VALUES (new.id, new.title, new.text);
       END""",
    """CREATE TRIGGER document_fts_update AFTER UPDATE OF id, title, text ON documents BEGIN
         DELETE FROM document_fts WHERE rowid = old.id;
         INSERT INTO document_fts (rowid, title, text) VALUES (new.id, new.title, new.text);
       END""",
    """CREATE TRIGGER document_fts_delete AFTER DELETE ON documents BEGIN
         DELETE FROM document_fts WHERE rowid = old.id;
       END""",
    """CREATE TRIGGER annotation_fts_insert AFTER INSERT ON annotations
       WHEN new.status = 'published' AND new.deleted_at IS NULL BEGIN
         INSERT INTO annotation_fts (rowid, body, tags) VALUES (new.id, new.body, new.tags);
       END""",
    """CREATE TRIGGER annotation_fts_update AFTER UPDATE ON annotations BEGIN
         DELETE FROM annotation_fts WHERE rowid = old.id;
         INSERT INTO annotation_fts (rowid, body, tags) SELECT new.id, new.body, new.tags
           WHERE new.status = 'published' AND new.deleted_at IS NULL;
       END""",
    """CREATE TRIGGER annotation_fts_delete AFTER DELETE ON annotations BEGIN
         DELETE FROM annotation_fts WHERE rowid = old.id;
       END""",
    "INSERT INTO document_fts (rowid, title, text) SELECT id, title, text FROM documents",
    """INSERT INTO annotation_fts (rowid, body, tags) SELECT id, body, tags FROM annotations
       WHERE status = 'published' AND deleted_at IS NULL""",
)
SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS document_fts_insert",
    "DROP TRIGGER IF EXISTS document_fts_update",
    "DROP TRIGGER IF EXISTS document_fts_delete",
    "DROP TRIGGER IF EXISTS annotation_fts_insert",
    "DROP TRIGGER IF EXISTS annotation_fts_update",
    "DROP TRIGGER IF EXISTS annotation_fts_delete",
    "DROP TABLE IF EXISTS document_fts",
    "DROP TABLE IF EXISTS annotation_fts",
)
POSTGRESQL_UP = (
    "CREATE INDEX IF NOT EXISTS ix_documents_fts ON documents USING gin "
    "(to_tsvector('english', title || ' ' || text))",
    "CREATE INDEX IF NOT EXISTS ix_annotations_fts ON annotations USING gin "
    "(to_tsvector('english', body || ' ' || coalesce(tags::text, '')))",
)
POSTGRESQL_DOWN = (
    "DROP INDEX IF EXISTS ix_documents_fts",
    "DROP INDEX IF EXISTS ix_annotations_fts",
)


def _run(statements):
    for statement in statements.get(op.get_bind().dialect.name, ()):
        op.execute(sa.text(statement))


def upgrade():
    _run({"sqlite": SQLITE_UP, "postgresql": POSTGRESQL_UP})


def downgrade():
    _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRESQL_DOWN})
