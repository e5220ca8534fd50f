"""session generations on accounts, and the accounts' audit log

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-30 12:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0',
                                      nullable=False))
    op.create_table(
        'audit_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('action', sa.String(length=40), nullable=False),
        sa.Column('target_id', sa.Integer(), nullable=True),
        sa.Column('detail', sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'],
                                name=op.f('fk_audit_events_actor_id_users')),
        sa.ForeignKeyConstraint(['target_id'], ['users.id'],
                                name=op.f('fk_audit_events_target_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events')),
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_target_id'), ['target_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_target_id'))
    op.drop_table('audit_events')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
