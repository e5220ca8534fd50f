"""intake: archived originals (intakes), documents' language, first outlet and identity keys

Revision ID: 0009
Revises: 0011
Create Date: 2026-12-01 12:00:00

Columns are added with plain ALTER TABLE (no batch copy), so the triggers on
``documents`` (search index, content version) stay. The keys of existing documents
are computed here with a snapshot of reader/intake/identity.py as of this revision.
"""
import hashlib
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0011'
branch_labels = None
depends_on = None

_TRACKING = re.compile(r"^(?:utm_\w+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|igshid|"
                       r"yclid|_ga|ref|ref_src|cmpid|ocid|smid|share)$", re.IGNORECASE)


def _text_hash(text):
    return hashlib.sha256(" ".join(re.findall(r"\w+", text.casefold())).encode()).hexdigest()


def _url_key(url):
    try:
        parts = urlsplit((url or "").strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if not _TRACKING.match(k)])
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    default = {"http": 80, "https": 443}[parts.scheme.lower()]
    netloc = host if port in (None, default) else f"{host}:{port}"
    parts = urlsplit(urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", query, "")))
    path = parts.path.rstrip("/") or "/"
    query = "&".join(sorted(parts.query.split("&"))) if parts.query else ""
    key = f"{parts.netloc.removeprefix('www.')}{path}?{query}"
    return hashlib.sha256(key.encode()).hexdigest()


def upgrade():
    op.add_column('documents', sa.Column('original_outlet', sa.String(length=200),
                                         server_default=sa.text("''"), nullable=False))
    op.add_column('documents', sa.Column('language', sa.String(length=35),
                                         server_default=sa.text("''"), nullable=False))
    op.add_column('documents', sa.Column('text_hash', sa.String(length=64), nullable=True))
    op.add_column('documents', sa.Column('url_key', sa.String(length=64), nullable=True))
    op.create_index(op.f('ix_documents_text_hash'), 'documents', ['text_hash'], unique=False)
    op.create_index(op.f('ix_documents_url_key'), 'documents', ['url_key'], unique=False)
    op.create_table(
        'intakes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=64), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('document_id', sa.Integer(), nullable=True),
        sa.Column('revision', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('media_type', sa.String(length=100), nullable=False),
        sa.Column('charset', sa.String(length=40), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('url', sa.String(length=2000), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=True),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('found', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('saved_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['document_id'], ['documents.id'],
                                name=op.f('fk_intakes_document_id_documents'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_intakes_user_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_intakes')),
        sa.UniqueConstraint('token', name=op.f('uq_intakes_token')),
    )
    op.create_index(op.f('ix_intakes_document_id'), 'intakes', ['document_id'], unique=False)
    documents = sa.table('documents', sa.column('id', sa.Integer), sa.column('text', sa.Text),
                         sa.column('source_url', sa.String), sa.column('text_hash', sa.String),
                         sa.column('url_key', sa.String))
    connection = op.get_bind()
    rows = connection.execute(sa.select(documents.c.id, documents.c.text,
                                        documents.c.source_url)).all()
    for id_, text, source_url in rows:
        connection.execute(documents.update().where(documents.c.id == id_).values(
            text_hash=_text_hash(text or ""), url_key=_url_key(source_url)))


def downgrade():
    op.drop_index(op.f('ix_intakes_document_id'), table_name='intakes')
    op.drop_table('intakes')
    op.drop_index(op.f('ix_documents_url_key'), table_name='documents')
    op.drop_index(op.f('ix_documents_text_hash'), table_name='documents')
    for column in ('url_key', 'text_hash', 'language', 'original_outlet'):
        op.drop_column('documents', column)
