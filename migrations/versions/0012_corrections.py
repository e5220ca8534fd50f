"""corrections: a published change marked as a correction or a clarification, withdrawals

Revision ID: 0012
Revises: 0008
Create Date: 2026-12-02 01:30:00

Columns are added and dropped in place (no batch copy of the table), so SQLite keeps
the triggers on ``annotations`` (search index, content version).
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('annotation_revisions', sa.Column('correction', sa.String(length=20), nullable=True))
    op.add_column('annotation_revisions', sa.Column('reason', sa.String(length=300), nullable=True))
    op.add_column('annotation_revisions', sa.Column('earlier', sa.JSON(), nullable=True))
    # the public entries, newest first: a partial index holds only their rows
    op.create_index('ix_annotation_revisions_public', 'annotation_revisions',
                    ['created_at', 'id'], sqlite_where=sa.text('correction IS NOT NULL'),
                    postgresql_where=sa.text('correction IS NOT NULL'))
    op.add_column('annotations', sa.Column('pending_correction', sa.JSON(), nullable=True))


def downgrade():
    op.drop_column('annotations', 'pending_correction')
    op.drop_index('ix_annotation_revisions_public', table_name='annotation_revisions')
    op.drop_column('annotation_revisions', 'earlier')
    op.drop_column('annotation_revisions', 'reason')
    op.drop_column('annotation_revisions', 'correction')
