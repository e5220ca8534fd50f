"""annotation extra: the parts of an imported W3C annotation the columns do not hold

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 12:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


# A plain column added and dropped in place (SQLite 3.35+ too): rebuilding the table in
# batch mode would turn the column-level foreign keys of earlier revisions into table
# constraints, which their own downgrades cannot drop in place.
def upgrade():
    op.add_column('annotations', sa.Column('extra', sa.JSON(), nullable=True))


def downgrade():
    op.drop_column('annotations', 'extra')
