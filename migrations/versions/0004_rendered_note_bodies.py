"""rendered note bodies: annotations.body_html, filled for every existing note

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 12:00:00

Pages show the HTML stored with a note and never render Markdown on a reader's
request. Existing notes are rendered here with the app's own renderer
(reader.sanitize.render_markdown) rather than a snapshot of it: the stored HTML must
be exactly what the app would store on saving the note today, through the one
allowlist that decides what HTML is safe, and a renderer is two libraries, not DDL
that could be copied here. A later change to sanitize.py that must reach stored
notes re-renders them the same way, in a migration of its own.
"""
from alembic import op
import sqlalchemy as sa

from reader.sanitize import render_markdown


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

BATCH = 500

annotations = sa.table(
    'annotations',
    sa.column('id', sa.Integer),
    sa.column('body', sa.Text),
    sa.column('body_html', sa.Text),
)


def upgrade():
    # ALTER TABLE in place on SQLite too (no batch copy of the table, which would drop
    # the search and content-version triggers on it)
    op.add_column('annotations', sa.Column('body_html', sa.Text(), server_default=sa.text("''"),
                                           nullable=False))
    connection = op.get_bind()
    last = 0
    while True:  # in batches of ids, so memory stays flat on a large corpus
        rows = connection.execute(
            sa.select(annotations.c.id, annotations.c.body)
            .where(annotations.c.id > last, annotations.c.body != '')
            .order_by(annotations.c.id).limit(BATCH)).all()
        if not rows:
            break
        connection.execute(
            annotations.update().where(annotations.c.id == sa.bindparam('row_id'))
            .values(body_html=sa.bindparam('html')),
            [{'row_id': row.id, 'html': str(render_markdown(row.body))} for row in rows])
        last = rows[-1].id


def downgrade():
    op.drop_column('annotations', 'body_html')
