"""annotation positions: how many annotations the W3C container lists per block of ids

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 04:00:00

``annotation_positions`` is kept by triggers, as the counts are, so that the container's
page N is found by adding up one row per 1,024 ids instead of skipping N pages of rows.
The triggers are a snapshot of reader/counts.py as of this revision; the table is filled
from the annotations already there.
"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

BLOCK = 1024
SLOTS = 32


def _published(row):
    return f"{row}.status = 'published' AND {row}.deleted_at IS NULL"


SQLITE_ROW = ("INSERT OR IGNORE INTO annotation_positions (block, slot, published)"
              f" VALUES (new.id / {BLOCK}, 0, 0);")
SQLITE_UP = (
    f"""CREATE TRIGGER positions_annotation_insert AFTER INSERT ON annotations
        WHEN {_published('new')} BEGIN
          {SQLITE_ROW}
          UPDATE annotation_positions SET published = published + 1
            WHERE block = new.id / {BLOCK} AND slot = 0;
        END""",
    f"""CREATE TRIGGER positions_annotation_update AFTER UPDATE OF status, deleted_at
        ON annotations WHEN ({_published('old')}) <> ({_published('new')}) BEGIN
          {SQLITE_ROW}
          UPDATE annotation_positions
            SET published = published + (CASE WHEN {_published('new')} THEN 1 ELSE -1 END)
            WHERE block = new.id / {BLOCK} AND slot = 0;
        END""",
    f"""CREATE TRIGGER positions_annotation_delete AFTER DELETE ON annotations
        WHEN {_published('old')} BEGIN
          UPDATE annotation_positions SET published = published - 1
            WHERE block = old.id / {BLOCK} AND slot = 0;
        END""",
)
SQLITE_DOWN = tuple(f"DROP TRIGGER IF EXISTS positions_annotation_{name}"
                    for name in ("insert", "update", "delete"))
POSTGRESQL_UP = (
    f"""CREATE OR REPLACE FUNCTION positions_annotation() RETURNS trigger AS $$
        DECLARE
          delta integer := 0;
        BEGIN
          IF TG_OP <> 'INSERT' AND {_published('OLD')} THEN delta := delta - 1; END IF;
          IF TG_OP <> 'DELETE' AND {_published('NEW')} THEN delta := delta + 1; END IF;
          IF delta <> 0 THEN
            INSERT INTO annotation_positions (block, slot, published)
              VALUES ((CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END) / {BLOCK},
                      (pg_backend_pid() % {SLOTS}), delta)
              ON CONFLICT (block, slot)
              DO UPDATE SET published = annotation_positions.published + EXCLUDED.published;
          END IF;
          RETURN NULL;
        END $$ LANGUAGE plpgsql""",
    """CREATE CONSTRAINT TRIGGER positions_annotation
        AFTER INSERT OR DELETE OR UPDATE OF status, deleted_at ON annotations
        DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW EXECUTE FUNCTION positions_annotation()""",
)
POSTGRESQL_DOWN = (
    "DROP TRIGGER IF EXISTS positions_annotation ON annotations",
    "DROP FUNCTION IF EXISTS positions_annotation()",
)


def upgrade():
    op.create_table(
        'annotation_positions',
        sa.Column('block', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('slot', sa.Integer(), server_default='0', autoincrement=False, nullable=False),
        sa.Column('published', sa.Integer(), server_default='0', nullable=False),
        sa.PrimaryKeyConstraint('block', 'slot', name=op.f('pk_annotation_positions')),
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRESQL_UP if postgresql else SQLITE_UP:
        op.execute(sa.text(statement))
    op.execute(sa.text(
        f"INSERT INTO annotation_positions (block, slot, published) SELECT a.id / {BLOCK}, 0,"
        f" COUNT(*) FROM annotations a WHERE {_published('a')} GROUP BY a.id / {BLOCK}"))


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRESQL_DOWN if postgresql else SQLITE_DOWN:
        op.execute(sa.text(statement))
    op.drop_table('annotation_positions')
