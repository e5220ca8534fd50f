"""content version slots: on PostgreSQL each connection bumps one of 32 rows, not all one row

Revision ID: 0017
Revises: 0008
Create Date: 2026-12-02 01:45:00

The page cache's version is now the sum of content_version. With one row, every writing
transaction held it from its first write to its commit, so concurrent writers queued
for it. A snapshot of reader/pagecache.py's DDL as of this revision. SQLite keeps its
one row and its triggers.
"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0013'
branch_labels = None
depends_on = None

SLOTS = 32


def _bump(where):
    return f"""CREATE OR REPLACE FUNCTION bump_content_version() RETURNS trigger AS $$
       BEGIN
         UPDATE content_version SET version = version + 1{where};
         RETURN NULL;
       END $$ LANGUAGE plpgsql"""


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(sa.text("INSERT INTO content_version (id, version)"
                       f" SELECT n, 0 FROM generate_series(2, {SLOTS}) AS n"))
    op.execute(sa.text(_bump(f"\n          WHERE id = pg_backend_pid() % {SLOTS} + 1")))


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(sa.text(_bump("")))
    # the sum carries on in the one row: kept pages are not served as current by mistake
    op.execute(sa.text("UPDATE content_version SET version ="
                       " (SELECT sum(version) FROM content_version) WHERE id = 1"))
    op.execute(sa.text("DELETE FROM content_version WHERE id > 1"))
