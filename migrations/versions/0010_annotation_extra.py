"""annotation extra: the parts of an imported W3C annotation the columns do not hold

Revision ID: 0010
Revises: 0003
Create Date: 2026-12-01 12:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('annotations') as batch_op:
        batch_op.add_column(sa.Column('extra', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('annotations') as batch_op:
        batch_op.drop_column('extra')
