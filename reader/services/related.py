"""Passages that report the same statement in several documents, and linking them to a source."""

from sqlalchemy import select

from ..extensions import db
from ..matching import find_matches
from ..models import Document
from . import ValidationError
from .annotations import create_annotation
from .sources import create_source

_CACHE = {}  # corpus fingerprint -> matches; the corpus changes rarely


def _corpus_key():
    """The state of the corpus's texts: every document's id and revision number."""
    rows = db.session.execute(select(Document.id, Document.revision).order_by(Document.id)).all()
    return tuple(map(tuple, rows))


def kept_corpus_matches():
    """Return the Matches if they are worked out for the corpus as it is now, else None."""
    return _CACHE.get(_corpus_key())


def corpus_matches():
    """Return the Matches over every document's current text (computed once per corpus state)."""
    key = _corpus_key()
    if key not in _CACHE:
        texts = db.session.execute(select(Document.id, Document.text)).all()
        _CACHE.clear()
        _CACHE[key] = find_matches((doc_id, text) for doc_id, text in texts)
    return _CACHE[key]


def related_passages(document, limit=20):
    """Return the passages of ``document`` that also appear, reworded, in other documents."""
    found = []
    for match in corpus_matches():
        if document.id not in (match.a.doc, match.b.doc):
            continue
        here, there = (match.a, match.b) if match.a.doc == document.id else (match.b, match.a)
        found.append({"here": here, "there": there, "score": match.score})
    others = {d.id: d for d in db.session.scalars(
        select(Document).where(Document.id.in_({p["there"].doc for p in found})))}
    for passage in found:
        other = others[passage["there"].doc]
        passage["document"] = other
        passage["here_text"] = document.text[passage["here"].start:passage["here"].end]
        passage["there_text"] = other.text[passage["there"].start:passage["there"].end]
    return found[:limit]


def link_passages(spans, source, user=None, body=""):
    """Cite one source from several spans: a draft source-context note on each.

    ``spans`` is a list of ``(document, start, end, relation)``; ``source`` is a source
    id or a dict for a new source. Returns the new annotations (all or none).
    """
    if isinstance(source, dict):
        source_id = create_source(source).id
    elif source:
        source_id = int(source)
    else:
        raise ValidationError({"source": "pick a source or give a new one a title"})
    annotations = []
    for document, start, end, relation in spans:
        annotations.append(create_annotation(document, {
            "kind": "context", "body": body, "start": start, "end": end,
            "exact": document.text[start:end] if 0 <= start < end <= len(document.text) else None,
            "source_id": source_id, "relation": relation, "status": "draft",
        }, user))
    return annotations
