"""sources keep a history and can be merged or deleted; documents note withdrawn notes

Revision ID: 0006
Revises: 0003
Create Date: 2026-12-01 12:00:00

Only added columns and a new table: on SQLite no table is rebuilt, so the triggers on
``sources`` (the page cache's content version) stay in place.
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('documents', sa.Column('withdrawn_at', sa.DateTime(), nullable=True))
    op.add_column('sources', sa.Column('version', sa.Integer(), server_default='1',
                                       nullable=False))
    op.add_column('sources', sa.Column('deleted_at', sa.DateTime(), nullable=True))
    if op.get_bind().dialect.name == 'sqlite':
        # a column with a reference can be added in place (alembic would rebuild the table)
        op.execute(sa.text(
            'ALTER TABLE sources ADD COLUMN merged_into_id INTEGER '
            'CONSTRAINT fk_sources_merged_into_id_sources REFERENCES sources (id)'))
    else:
        op.add_column('sources', sa.Column('merged_into_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f('fk_sources_merged_into_id_sources'), 'sources', 'sources',
                              ['merged_into_id'], ['id'])
    op.create_table(
        'source_revisions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('action', sa.String(length=20), nullable=False),
        sa.Column('changed', sa.JSON(), nullable=False),
        sa.Column('snapshot', sa.JSON(), nullable=False),
        sa.Column('note', sa.String(length=300), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['source_id'], ['sources.id'],
                                name=op.f('fk_source_revisions_source_id_sources'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_source_revisions_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_source_revisions')),
    )
    op.create_index(op.f('ix_source_revisions_source_id'), 'source_revisions', ['source_id'],
                    unique=False)


def downgrade():
    op.drop_index(op.f('ix_source_revisions_source_id'), table_name='source_revisions')
    op.drop_table('source_revisions')
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite drops a column only when nothing refers to it: drop_column without a rebuild
        for column in ('merged_into_id', 'deleted_at', 'version'):
            op.execute(sa.text(f'ALTER TABLE sources DROP COLUMN {column}'))
    else:
        op.drop_constraint(op.f('fk_sources_merged_into_id_sources'), 'sources',
                           type_='foreignkey')
        for column in ('merged_into_id', 'deleted_at', 'version'):
            op.drop_column('sources', column)
    op.drop_column('documents', 'withdrawn_at')
