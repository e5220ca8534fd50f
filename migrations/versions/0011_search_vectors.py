"""search vectors: PostgreSQL keeps each document's tsvector in document_fts

Revision ID: 0011
Revises: 0005
Create Date: 2026-11-24 09:00:00

A search matched and ranked documents by ``to_tsvector`` over their whole text, so
PostgreSQL parsed every text it ranked (over a second for 4 MB), and a text too rich
in words for one tsvector (1 MB) could not be stored at all. The vector is now kept in
a table written by a trigger; such a text is indexed by its first 100,000 code points.
SQLite is unchanged (its FTS5 index already stores what it matches). A snapshot of
reader/search.py's DDL as of this revision.
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0005'
branch_labels = None
depends_on = None

POSTGRESQL_UP = (
    "DROP INDEX IF EXISTS ix_documents_fts",
    """CREATE TABLE IF NOT EXISTS document_fts (
         id INTEGER PRIMARY KEY REFERENCES documents (id) ON DELETE CASCADE,
         vector tsvector NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS ix_document_fts_vector ON document_fts USING gin (vector)",
    """CREATE OR REPLACE FUNCTION document_fts_vector(title text, body text)
       RETURNS tsvector LANGUAGE plpgsql IMMUTABLE AS $$
       BEGIN
         RETURN to_tsvector('english', title || ' ' || body);
       EXCEPTION WHEN program_limit_exceeded THEN
         RETURN to_tsvector('english', title || ' ' || left(body, 100000));
       END $$""",
    """CREATE OR REPLACE FUNCTION document_fts_write() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         INSERT INTO document_fts (id, vector) VALUES (NEW.id, document_fts_vector(NEW.title, NEW.text))
           ON CONFLICT (id) DO UPDATE SET vector = EXCLUDED.vector;
         RETURN NULL;
       END $$""",
    "DROP TRIGGER IF EXISTS document_fts_write ON documents",
    """CREATE TRIGGER document_fts_write AFTER INSERT OR UPDATE OF title, text ON documents
       FOR EACH ROW EXECUTE FUNCTION document_fts_write()""",
    """INSERT INTO document_fts (id, vector) SELECT id, document_fts_vector(title, text)
       FROM documents ON CONFLICT (id) DO NOTHING""",
)
POSTGRESQL_DOWN = (
    "DROP TRIGGER IF EXISTS document_fts_write ON documents",
    "DROP FUNCTION IF EXISTS document_fts_write()",
    "DROP TABLE IF EXISTS document_fts",
    "DROP FUNCTION IF EXISTS document_fts_vector(text, text)",
    "CREATE INDEX IF NOT EXISTS ix_documents_fts ON documents USING gin "
    "(to_tsvector('english', title || ' ' || text))",
)


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRESQL_UP:
            op.execute(sa.text(statement))


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRESQL_DOWN:
            op.execute(sa.text(statement))
