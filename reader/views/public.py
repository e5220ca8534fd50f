"""Reader pages: the document index, a document with its notes, a source."""

from flask import Blueprint, abort, render_template
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..config import KIND_LABELS, KINDS
from ..extensions import db
from ..models import Annotation, Document, Source
from ..sanitize import render_markdown
from ..text import detect_structure
from . import is_editor
from ..services.related import related_passages
from .parts import document_parts

bp = Blueprint("public", __name__)


@bp.get("/")
def index():
    """List the documents with their published annotations per kind."""
    documents = db.session.scalars(select(Document).order_by(Document.title)).all()
    rows = db.session.execute(
        select(Annotation.document_id, Annotation.kind, func.count())
        .where(Annotation.status == "published", Annotation.deleted_at.is_(None))
        .group_by(Annotation.document_id, Annotation.kind)
    )
    counts = {}
    for document_id, kind, n in rows:
        counts.setdefault(document_id, {})[kind] = n
    ledes = {d.id: _lede(d.text) for d in documents}
    return render_template("public/index.html", documents=documents, counts=counts,
                           ledes=ledes, kinds=KINDS, kind_labels=KIND_LABELS)


def _lede(text):
    """Return the first paragraph of a text, to say what it is about on the index."""
    block = next((b for b in detect_structure(text) if b.kind == "paragraph"), None)
    return text[block.start:block.end].strip() if block else ""


def _load_document(slug):
    document = db.session.scalars(select(Document).filter_by(slug=slug)).first()
    if document is None:
        abort(404)
    return document


@bp.get("/docs/<slug>")
def document(slug):
    """Show a document with its annotations highlighted inline and their notes beside it."""
    document = _load_document(slug)
    editor = is_editor()
    parts = document_parts(document, editor=editor)
    if editor:
        parts["related"] = related_passages(document)
        parts["sources"] = db.session.scalars(select(Source).order_by(Source.title)).all()
    return render_template("public/document.html", document=document, kinds=KINDS,
                           kind_labels=KIND_LABELS, editor=editor, **parts)


@bp.get("/sources/<int:source_id>")
def source(source_id):
    """Show a source and every published span in the corpus that cites it."""
    source = db.session.get(Source, source_id) or abort(404)
    query = (
        select(Annotation)
        .where(Annotation.source_id == source.id, Annotation.deleted_at.is_(None))
        .options(selectinload(Annotation.document))
        .order_by(Annotation.document_id, Annotation.start)
    )
    if not is_editor():
        query = query.where(Annotation.status == "published")
    citations = [{"annotation": a, "html": render_markdown(a.body)}
                 for a in db.session.scalars(query)]
    return render_template("public/source.html", source=source, citations=citations,
                           kind_labels=KIND_LABELS)
