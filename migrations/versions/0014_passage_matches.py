"""passage matches: which documents report the same statements, kept for the document page

Revision ID: 0014
Revises: 0008
Create Date: 2026-12-02 01:45:00

The table starts empty; `flask --app reader docs match` fills it for a corpus imported
before this revision (later imports and revisions keep it up to date).
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'passage_matches',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('other_id', sa.Integer(), nullable=False),
        sa.Column('start', sa.Integer(), nullable=False),
        sa.Column('end', sa.Integer(), nullable=False),
        sa.Column('other_start', sa.Integer(), nullable=False),
        sa.Column('other_end', sa.Integer(), nullable=False),
        sa.Column('score', sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(['document_id'], ['documents.id'],
                                name=op.f('fk_passage_matches_document_id_documents'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['other_id'], ['documents.id'],
                                name=op.f('fk_passage_matches_other_id_documents'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_passage_matches')),
    )
    op.create_index(op.f('ix_passage_matches_document_id'), 'passage_matches', ['document_id'])
    op.create_index(op.f('ix_passage_matches_other_id'), 'passage_matches', ['other_id'])


def downgrade():
    op.drop_index(op.f('ix_passage_matches_other_id'), table_name='passage_matches')
    op.drop_index(op.f('ix_passage_matches_document_id'), table_name='passage_matches')
    op.drop_table('passage_matches')
