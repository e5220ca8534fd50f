"""content version: one row bumped by triggers on every write readers would see

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 12:00:00

A snapshot of reader/pagecache.py's DDL as of this revision (a migration must not
change when the app's code does).
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

TABLES = ("documents", "annotations", "sources", "users")
EVENTS = ("insert", "update", "delete")

SQLITE_UP = tuple(
    f"""CREATE TRIGGER {table}_{event}_content_version AFTER {event.upper()} ON {table} BEGIN
          UPDATE content_version SET version = version + 1;
        END"""
    for table in TABLES for event in EVENTS)
SQLITE_DOWN = tuple(f"DROP TRIGGER IF EXISTS {table}_{event}_content_version"
                    for table in TABLES for event in EVENTS)
POSTGRESQL_UP = (
    """CREATE OR REPLACE FUNCTION bump_content_version() RETURNS trigger AS $$
       BEGIN
         UPDATE content_version SET version = version + 1;
         RETURN NULL;
       END $$ LANGUAGE plpgsql""",
    *(f"""CREATE TRIGGER {table}_content_version
          AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
          FOR EACH STATEMENT EXECUTE FUNCTION bump_content_version()"""
      for table in TABLES),
)
POSTGRESQL_DOWN = (
    *(f"DROP TRIGGER IF EXISTS {table}_content_version ON {table}" for table in TABLES),
    "DROP FUNCTION IF EXISTS bump_content_version()",
)


def _run(statements):
    for statement in statements.get(op.get_bind().dialect.name, ()):
        op.execute(sa.text(statement))


def upgrade():
    op.create_table(
        'content_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_content_version')),
    )
    op.execute(sa.text("INSERT INTO content_version (id, version) VALUES (1, 0)"))
    _run({"sqlite": SQLITE_UP, "postgresql": POSTGRESQL_UP})


def downgrade():
    _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRESQL_DOWN})
    op.drop_table('content_version')
