"""Reader pages: the document index, a document with its notes, a source."""

from bisect import bisect_right

from flask import Blueprint, abort, render_template
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..config import KIND_LABELS, KINDS
from ..extensions import db
from ..highlight import render_text, segment
from ..models import Annotation, Document, Source
from ..sanitize import render_markdown
from ..services.annotations import visible_annotations
from ..text import detect_structure
from . import is_editor

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
    return render_template("public/index.html", documents=documents, counts=counts,
                           kinds=KINDS, kind_labels=KIND_LABELS)


def _load_document(slug):
    document = db.session.scalars(select(Document).filter_by(slug=slug)).first()
    if document is None:
        abort(404)
    return document


@bp.get("/docs/<slug>")
def document(slug):
    """Show a document with its annotations highlighted inline and their notes beside it."""
    document = _load_document(slug)
    annotations = visible_annotations(document, include_drafts=is_editor())
    placed = [a for a in annotations if a.start is not None]
    blocks = detect_structure(document.text)
    runs = segment((a.id, a.start, a.end) for a in placed)
    text_html = render_text(document.text, blocks, runs, {a.id: a.kind for a in placed})
    block_starts = [b.start for b in blocks]
    notes = [
        {"annotation": a, "html": render_markdown(a.body),
         "block": max(bisect_right(block_starts, a.start) - 1, 0)}
        for a in placed
    ]
    whole = [{"annotation": a, "html": render_markdown(a.body), "block": None}
             for a in annotations if a.is_whole_document]
    counts = {kind: sum(1 for a in annotations if a.kind == kind and not a.orphan)
              for kind in KINDS}
    return render_template(
        "public/document.html", document=document, text_html=text_html, notes=notes,
        whole=whole, counts=counts, kinds=KINDS, kind_labels=KIND_LABELS,
    )


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
