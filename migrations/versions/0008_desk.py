"""desk: assignments, the re-anchoring check flag, indexes for the dashboard

Revision ID: 0008
Revises: 0010
Create Date: 2026-12-01 22:00:00

Columns are added and dropped in place (no batch copy of the table), so SQLite keeps
the triggers on ``annotations`` (search index, content version).
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'assignments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=True),
        sa.Column('annotation_id', sa.Integer(), nullable=True),
        sa.Column('assignee_id', sa.Integer(), nullable=False),
        sa.Column('assigned_by_id', sa.Integer(), nullable=True),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('done_at', sa.DateTime(), nullable=True),
        sa.Column('cancelled_at', sa.DateTime(), nullable=True),
        sa.Column('closed_by_id', sa.Integer(), nullable=True),
        sa.Column('replaces_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('(document_id IS NULL) <> (annotation_id IS NULL)',
                           name=op.f('ck_assignments_one_target')),
        sa.ForeignKeyConstraint(['annotation_id'], ['annotations.id'],
                                name=op.f('fk_assignments_annotation_id_annotations'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['assigned_by_id'], ['users.id'],
                                name=op.f('fk_assignments_assigned_by_id_users')),
        sa.ForeignKeyConstraint(['assignee_id'], ['users.id'],
                                name=op.f('fk_assignments_assignee_id_users')),
        sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'],
                                name=op.f('fk_assignments_closed_by_id_users')),
        sa.ForeignKeyConstraint(['replaces_id'], ['assignments.id'],
                                name=op.f('fk_assignments_replaces_id_assignments')),
        sa.ForeignKeyConstraint(['document_id'], ['documents.id'],
                                name=op.f('fk_assignments_document_id_documents'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_assignments')),
    )
    op.create_index('ix_assignments_annotation_id', 'assignments', ['annotation_id'])
    op.create_index('ix_assignments_assignee_open', 'assignments',
                    ['assignee_id', 'done_at', 'cancelled_at'])
    op.create_index('ix_assignments_cancelled_at', 'assignments', ['cancelled_at'])
    op.create_index('ix_assignments_created_at', 'assignments', ['created_at'])
    op.create_index('ix_assignments_document_id', 'assignments', ['document_id'])
    op.create_index('ix_assignments_done_at', 'assignments', ['done_at'])

    op.add_column('annotations', sa.Column('needs_check', sa.Boolean(), nullable=False,
                                           server_default=sa.false()))
    op.create_index('ix_annotations_needs_check', 'annotations', ['needs_check'])
    op.create_index('ix_annotations_creator_status', 'annotations', ['creator_id', 'status'])
    op.create_index('ix_annotation_revisions_created_at', 'annotation_revisions', ['created_at'])
    op.create_index('ix_document_revisions_created_at', 'document_revisions', ['created_at'])


def downgrade():
    op.drop_index('ix_document_revisions_created_at', table_name='document_revisions')
    op.drop_index('ix_annotation_revisions_created_at', table_name='annotation_revisions')
    op.drop_index('ix_annotations_creator_status', table_name='annotations')
    op.drop_index('ix_annotations_needs_check', table_name='annotations')
    op.drop_column('annotations', 'needs_check')
    op.drop_table('assignments')
