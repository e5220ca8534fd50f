"""readers' messages to the editors: corrections to suggest, words to check, public replies

Revision ID: 0013
Revises: 0008
Create Date: 2026-12-02 01:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'reader_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('annotation_id', sa.Integer(), nullable=True),
        sa.Column('exact', sa.Text(), nullable=False),
        sa.Column('start', sa.Integer(), nullable=True),
        sa.Column('end', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('address_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('reply', sa.Text(), nullable=False),
        sa.Column('reply_html', sa.Text(), nullable=False),
        sa.Column('reply_public', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('reply_shows_message', sa.Boolean(), server_default=sa.false(),
                  nullable=False),
        sa.Column('replied_at', sa.DateTime(), nullable=True),
        sa.Column('replied_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['annotation_id'], ['annotations.id'],
                                name=op.f('fk_reader_messages_annotation_id_annotations'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'],
                                name=op.f('fk_reader_messages_decided_by_id_users')),
        sa.ForeignKeyConstraint(['document_id'], ['documents.id'],
                                name=op.f('fk_reader_messages_document_id_documents'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['replied_by_id'], ['users.id'],
                                name=op.f('fk_reader_messages_replied_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reader_messages')),
    )
    op.create_index('ix_reader_messages_status_created', 'reader_messages',
                    ['status', 'created_at'])
    op.create_index('ix_reader_messages_document_replied', 'reader_messages',
                    ['document_id', 'replied_at'])
    op.create_index(op.f('ix_reader_messages_annotation_id'), 'reader_messages',
                    ['annotation_id'])
    op.create_index(op.f('ix_reader_messages_address_hash'), 'reader_messages',
                    ['address_hash'])


def downgrade():
    op.drop_table('reader_messages')
