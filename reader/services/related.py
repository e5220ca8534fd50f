"""Passages that report the same statement in several documents, and linking them to a source."""

import threading
import time
from bisect import bisect_left, bisect_right
from collections import Counter

from sqlalchemy import func, select

from ..extensions import db
from ..text.matching import find_matches
from ..models import Annotation, AnnotationRevision, Document, Source
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


# --- which matches a source links, kept up to date from the notes' history ---------------

_LINKS = {}  # database -> Links
_LINKING = threading.Lock()
REBUILD_SECONDS = 3600  # read every citing note again at least this often (see Links)
GAP_WINDOW = 1000  # history ids before the newest looked at for writes not yet committed
GAP_SECONDS = 600  # a history id still missing after this was rolled back
MAX_CHANGED = 5000  # notes changed since the last look beyond which reading all is cheaper


def linked_matches(matches):
    """Return, for each of ``matches`` (the corpus's, in order), whether a note on each of
    its two passages cites one source (any status, not deleted).

    Worked out once per corpus state over every note citing a source, then kept per
    process and brought up to date from the notes whose history moved since: a write
    costs the same however many notes cite a source (see Links).
    """
    key = str(db.engine.url)
    with _LINKING:  # one request at a time brings the kept state up to date
        links = _LINKS.get(key)
        if links is None or links.matches is not matches or links.stale() \
                or not links.catch_up():
            links = _LINKS[key] = Links(matches)
        return list(links.linked)


class Links:
    """The sources cited over each passage of the corpus's matches, and so which matches
    are linked, kept in step with the notes.

    Built with one pass over the notes that cite a source. Then each look reads the
    notes' history rows (every service writes one with each change to a note) added
    since the last look, and only the notes they name: what they cited over which
    passage before (kept here) is taken back and what they cite now added. History ids
    are given as transactions write, not as they commit, so on PostgreSQL a newer id
    can be seen before an older one: an id skipped is looked at again until it appears
    (or GAP_SECONDS pass: rolled back). Writes that keep no history (raw SQL) are seen
    at the next rebuild: a change of the texts, REBUILD_SECONDS, or a restart.
    """

    def __init__(self, matches):
        self.matches = matches
        self.built_at = time.monotonic()
        self.matches_of = {}  # passage (doc, start, end) -> indexes of its matches
        for i, match in enumerate(matches):
            for side in (match.a, match.b):
                self.matches_of.setdefault((side.doc, side.start, side.end), []).append(i)
        # a document's passages by place; sentences of one text never overlap
        # (matching.sentences), so their ends are in order too
        self.passages = {}
        for doc, start, end in sorted(self.matches_of):
            self.passages.setdefault(doc, []).append((start, end))
        self.starts = {doc: [p[0] for p in spans] for doc, spans in self.passages.items()}
        self.ends = {doc: [p[1] for p in spans] for doc, spans in self.passages.items()}
        self.cited = {}  # passage -> Counter of the sources cited over it (by how many notes)
        self.notes = {}  # note id -> (doc, start, end, source) of a citing note over a passage
        self.linked = [False] * len(matches)
        self.seen, self.gaps = self._history_mark()
        for note_id, *citation in db.session.execute(_citing()):
            self._add(note_id, tuple(citation), set())
        self.linked = [self._is_linked(match) for match in matches]

    def stale(self):
        return time.monotonic() - self.built_at > REBUILD_SECONDS

    def _history_mark(self):
        """The newest history id, and the ids before it (GAP_WINDOW) not committed yet."""
        top = db.session.scalar(select(func.max(AnnotationRevision.id))) or 0
        found = set(db.session.scalars(select(AnnotationRevision.id).where(
            AnnotationRevision.id > top - GAP_WINDOW)))
        now = time.monotonic()
        return top, {i: now for i in range(max(1, top - GAP_WINDOW + 1), top + 1)
                     if i not in found}

    def catch_up(self):
        """Apply the changes to notes written since the last look; False when so many
        notes changed (a large import) that reading them all again is cheaper."""
        rows = db.session.execute(select(AnnotationRevision.id, AnnotationRevision.annotation_id)
                                  .where(AnnotationRevision.id > self.seen)).all()
        if self.gaps:
            rows += db.session.execute(
                select(AnnotationRevision.id, AnnotationRevision.annotation_id)
                .where(AnnotationRevision.id.in_(list(self.gaps)))).all()
        now = time.monotonic()
        top = max((i for i, _ in rows), default=self.seen)
        found = {i for i, _ in rows}
        for i in found:
            self.gaps.pop(i, None)
        self.gaps.update((i, now) for i in range(self.seen + 1, top + 1) if i not in found)
        self.gaps = {i: at for i, at in self.gaps.items() if now - at <= GAP_SECONDS}
        self.seen = top
        changed = {note_id for _, note_id in rows}
        if len(changed) > MAX_CHANGED:
            return False
        now_citing = {note_id: tuple(citation) for note_id, *citation in db.session.execute(
            _citing().where(Annotation.id.in_(changed)))}
        touched = set()
        for note_id in changed:
            if note_id in self.notes:
                self._remove(note_id, touched)
            if note_id in now_citing:
                self._add(note_id, now_citing[note_id], touched)
        for i in touched:
            self.linked[i] = self._is_linked(self.matches[i])
        return True

    def _over(self, doc, start, end):
        """The passages of ``doc`` that [start, end) overlaps."""
        spans = self.passages.get(doc)
        if not spans:
            return []
        first = bisect_right(self.ends[doc], start)  # the first passage ending after start
        upto = bisect_left(self.starts[doc], end)  # past the last one starting before end
        return [(doc, *spans[i]) for i in range(first, upto)]

    def _add(self, note_id, citation, touched):
        doc, start, end, source_id = citation
        passages = self._over(doc, start, end)
        if not passages:
            return
        self.notes[note_id] = citation
        for passage in passages:
            self.cited.setdefault(passage, Counter())[source_id] += 1
            touched.update(self.matches_of[passage])

    def _remove(self, note_id, touched):
        doc, start, end, source_id = self.notes.pop(note_id)
        for passage in self._over(doc, start, end):
            sources = self.cited[passage]
            sources[source_id] -= 1
            if not sources[source_id]:
                del sources[source_id]
            touched.update(self.matches_of[passage])

    def _is_linked(self, match):
        here = self.cited.get((match.a.doc, match.a.start, match.a.end))
        there = self.cited.get((match.b.doc, match.b.start, match.b.end))
        return bool(here and there and here.keys() & there.keys())


def _citing():
    """The notes (any status, not deleted) that cite a source over a span: id, document,
    start, end, source."""
    return (select(Annotation.id, Annotation.document_id, Annotation.start, Annotation.end,
                   Annotation.source_id)
            .where(Annotation.source_id.is_not(None), Annotation.deleted_at.is_(None),
                   Annotation.start.is_not(None)))


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
