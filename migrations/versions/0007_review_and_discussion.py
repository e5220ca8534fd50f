"""review and discussion: pending changes, change authors, replies, mentions, review comments

Revision ID: 0007
Revises: 0003
Create Date: 2026-11-25 12:00:00

Every new column is nullable and only added, so SQLite takes them with ALTER TABLE ADD
COLUMN: the annotations table is never rebuilt, and its triggers (search index, content
version) and the rows that reference it stay as they are.
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

REPLY_FK = 'fk_annotations_reply_to_id_annotations'


def upgrade():
    if op.get_bind().dialect.name == 'sqlite':
        # a column with its foreign key in one ALTER TABLE: SQLite cannot add the constraint
        # afterwards without rebuilding the table
        op.execute(sa.text(
            f'ALTER TABLE annotations ADD COLUMN reply_to_id INTEGER CONSTRAINT {REPLY_FK} '
            'REFERENCES annotations (id)'))
    else:
        op.add_column('annotations', sa.Column('reply_to_id', sa.Integer(), nullable=True))
        op.create_foreign_key(REPLY_FK, 'annotations', 'annotations', ['reply_to_id'], ['id'])
    op.add_column('annotations', sa.Column('pending', sa.JSON(), nullable=True))
    op.add_column('annotations', sa.Column('pending_status', sa.String(length=20), nullable=True))
    op.add_column('annotations', sa.Column('change_authors', sa.JSON(), nullable=True))
    op.add_column('annotations', sa.Column('changes_requested_at', sa.DateTime(), nullable=True))
    op.create_index(op.f('ix_annotations_reply_to_id'), 'annotations', ['reply_to_id'],
                    unique=False)
    op.add_column('annotation_revisions', sa.Column('comment', sa.Text(), nullable=True))
    op.create_table(
        'mentions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('annotation_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['annotation_id'], ['annotations.id'],
                                name=op.f('fk_mentions_annotation_id_annotations'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_mentions_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_mentions')),
        sa.UniqueConstraint('annotation_id', 'user_id', name=op.f('uq_mentions_annotation_id')),
    )
    op.create_index(op.f('ix_mentions_annotation_id'), 'mentions', ['annotation_id'],
                    unique=False)
    op.create_index(op.f('ix_mentions_user_id'), 'mentions', ['user_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_mentions_user_id'), table_name='mentions')
    op.drop_index(op.f('ix_mentions_annotation_id'), table_name='mentions')
    op.drop_table('mentions')
    # SQLite 3.35+ drops a column in place; one that a constraint or index uses must lose
    # those first (the foreign key lives in the column's own definition, so it goes with it)
    op.drop_column('annotation_revisions', 'comment')
    op.drop_index(op.f('ix_annotations_reply_to_id'), table_name='annotations')
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint(REPLY_FK, 'annotations', type_='foreignkey')
    for column in ('changes_requested_at', 'change_authors', 'pending_status', 'pending',
                   'reply_to_id'):
        op.drop_column('annotations', column)
