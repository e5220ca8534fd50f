"""Passages that report the same statement in several documents, and linking them to a source."""

from sqlalchemy import func, select

from ..extensions import db
from ..text.matching import find_matches
from ..models import Annotation, Document, Source
from . import ValidationError
from .annotations import create_annotation, parse_source_id
from .sources import find_or_create_source, live_source

# database -> (corpus fingerprint, matches, {document id: its matches}); texts change rarely
_CACHE = {}


def _corpus_key():
    """The state of the corpus's texts, in one aggregate row: documents, newest id, the sum
    of their revision numbers (a revised text adds one) and the latest change, per database;
    read on every use, so a text revised through another server is matched again."""
    return (str(db.engine.url), *db.session.execute(select(
        func.count(Document.id), func.max(Document.id), func.sum(Document.revision),
        func.max(Document.modified_at))).one())


def _kept():
    return _kept_for(_corpus_key())


def kept_corpus_matches():
    """Return the Matches if they are worked out for the corpus as it is now, else None."""
    kept = _kept()
    return kept[0] if kept else None


def corpus_matches():
    """Return the Matches over every document's current text (computed once per corpus state)."""
    return _matches()[0]


def _matches():
    key = _corpus_key()
    kept = _kept_for(key)
    if kept is None:
        texts = db.session.execute(select(Document.id, Document.text)).all()
        matches = find_matches((doc_id, text) for doc_id, text in texts)
        by_document = {}
        for match in matches:
            by_document.setdefault(match.a.doc, []).append(match)
            if match.b.doc != match.a.doc:
                by_document.setdefault(match.b.doc, []).append(match)
        kept = (matches, by_document)
        _CACHE[str(db.engine.url)] = (key, *kept)
    return kept


def _kept_for(key):
    kept = _CACHE.get(str(db.engine.url))
    return kept[1:] if kept and kept[0] == key else None


def related_passages(document, limit=20):
    """Return the passages of ``document`` that also appear, reworded, in other documents."""
    found = []
    for match in _matches()[1].get(document.id, ()):  # in the corpus's order, as before
        here, there = (match.a, match.b) if match.a.doc == document.id else (match.b, match.a)
        found.append({"here": here, "there": there, "score": match.score})
    found = found[:limit]
    others = {d.id: d for d in db.session.scalars(
        select(Document).where(Document.id.in_({p["there"].doc for p in found})))}
    for passage in found:
        other = others[passage["there"].doc]
        passage["document"] = other
        passage["here_text"] = document.text[passage["here"].start:passage["here"].end]
        passage["there_text"] = other.text[passage["there"].start:passage["there"].end]
    _mark_linked(document, found)
    return found


def _mark_linked(document, passages):
    """Set each passage's ``linked``: the sources that notes on both of its spans cite.

    One query for the source-citing notes (not deleted) on the documents involved.
    """
    doc_ids = {document.id} | {p["there"].doc for p in passages}
    citing = {}
    for doc_id, start, end, source_id in db.session.execute(
            select(Annotation.document_id, Annotation.start, Annotation.end, Annotation.source_id)
            .where(Annotation.document_id.in_(doc_ids), Annotation.source_id.is_not(None),
                   Annotation.start.is_not(None), Annotation.deleted_at.is_(None))):
        citing.setdefault(doc_id, []).append((start, end, source_id))
    linked_ids = set()
    for passage in passages:
        here = _sources_over(citing.get(document.id, ()), passage["here"])
        there = _sources_over(citing.get(passage["there"].doc, ()), passage["there"])
        passage["linked_ids"] = sorted(here & there)
        linked_ids.update(passage["linked_ids"])
    sources = {s.id: s for s in db.session.scalars(
        select(Source).where(Source.id.in_(linked_ids)))} if linked_ids else {}
    for passage in passages:
        passage["linked"] = [sources[i] for i in passage.pop("linked_ids")]


def _sources_over(citations, passage):
    """Return the ids of the sources cited over ``passage`` (a span overlapping it)."""
    return {source_id for start, end, source_id in citations
            if start < passage.end and passage.start < end}


def link_passages(spans, source, user=None, body=""):
    """Cite one source from several spans: a draft source-context note on each.

    ``spans`` is a list of ``(document, start, end, relation)``; ``source`` is a source
    id (a merged one names its survivor) or a dict for a new source. A span that a note
    (not deleted) already cites the source over gets no second one. Returns
    ``(source, new annotations)``; all or none are written. Raises ValidationError.
    """
    if isinstance(source, dict):
        source = find_or_create_source(source, user)
    else:
        errors = {}
        source_id = parse_source_id(source, errors)
        if errors:
            raise ValidationError(errors)
        if source_id is None:
            raise ValidationError({"source": "pick a source or give a new one a title"})
        source = live_source(source_id)
        if source is None:
            raise ValidationError({"source": f"there is no source {source_id} "
                                             "(it may have been deleted)"})
    annotations = []
    for document, start, end, relation in spans:
        if _already_cited(document, start, end, source.id):
            continue
        annotations.append(create_annotation(document, {
            "kind": "context", "body": body, "start": start, "end": end,
            "exact": document.text[start:end] if 0 <= start < end <= len(document.text) else None,
            "source_id": source.id, "relation": relation, "status": "draft",
        }, user))
    return source, annotations


def _already_cited(document, start, end, source_id):
    """True if a note on ``document`` (not deleted) cites ``source_id`` over [start, end)."""
    return db.session.scalar(
        select(Annotation.id).where(
            Annotation.document_id == document.id, Annotation.source_id == source_id,
            Annotation.deleted_at.is_(None), Annotation.start < end, Annotation.end > start)
        .limit(1)) is not None
