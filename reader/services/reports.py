"""Other reports of a statement: stored matches between documents, and two documents compared.

Matching the corpus (matching.py) is done when texts change, not when readers read: the
matches are stored in ``passage_matches`` (both directions), so a document page lists the
other reports with one indexed query whatever the size of the corpus. Comparing two
documents is worked out from their two texts alone (alignment.py), bounded by their size.
"""

import re
from bisect import bisect_right
from collections import Counter

from sqlalchemy import delete, func, or_, select, update

from ..text.alignment import align
from ..text.diffs import Budget
from ..extensions import db
from ..text.matching import STOPWORDS, find_matches
from ..models import ContentVersion, Document, PassageMatch
from ..text.pairview import marked_pair
from ..search import similar_documents
from .annotations import visible_annotations
from .related import corpus_matches

MAX_REPORTS = 50  # other documents listed on a document page
MAX_COMPARED = 3_000_000  # code points of two texts set side by side on one request (~10 s)
CANDIDATES = 50  # documents a changed one is matched with: those sharing most of its words
PROBE_WORDS = 40  # words of a changed document the search index is asked for
CORPUS_PASS = 20  # changed documents from which one pass over the whole corpus is cheaper
_WORD = re.compile(r"[^\W\d_]{4,}", re.UNICODE)


class TooLongError(Exception):
    """Two texts too long to set side by side on one request."""


def record_matches(documents=None):
    """Store the matches that involve ``documents`` (every document if None); return how many.

    Their earlier rows go first. A few changed documents are each matched with the
    CANDIDATES documents the search index finds closest (bounded work, whatever the size
    of the corpus); more than CORPUS_PASS, or all, are matched over the whole corpus in
    one pass (related.py keeps it). So call this once per import, not per file. The
    caller commits.
    """
    ids = None if documents is None else {d.id for d in documents}
    if ids == set():
        return 0
    db.session.flush()
    # readers' kept pages list other reports: the triggers do not watch this table
    db.session.execute(update(ContentVersion).values(version=ContentVersion.version + 1))
    if ids is None:
        db.session.execute(delete(PassageMatch))
    else:
        db.session.execute(delete(PassageMatch).where(
            or_(PassageMatch.document_id.in_(ids), PassageMatch.other_id.in_(ids))))
    if ids is None or len(ids) > CORPUS_PASS:
        matches = [m for m in corpus_matches()
                   if ids is None or m.a.doc in ids or m.b.doc in ids]
    else:
        matches = _nearby_matches(documents)
    rows = []
    for match in matches:
        for here, there in ((match.a, match.b), (match.b, match.a)):
            rows.append({"document_id": here.doc, "other_id": there.doc, "start": here.start,
                         "end": here.end, "other_start": there.start, "other_end": there.end,
                         "score": match.score})
    if rows:
        db.session.execute(PassageMatch.__table__.insert(), rows)
    return len(rows) // 2


def _nearby_matches(documents):
    """Matches of each of ``documents`` with the documents most alike it, each match once."""
    found = {}
    for document in documents:
        words = Counter(w for w in _WORD.findall(document.text) if w.lower() not in STOPWORDS)
        probes = sorted(words, key=lambda w: (not w[0].isupper(), words[w], -len(w), w))
        nearby = similar_documents(probes[:PROBE_WORDS], document.id, CANDIDATES)
        texts = db.session.execute(select(Document.id, Document.text)
                                   .where(Document.id.in_(nearby))).all() if nearby else []
        for match in find_matches([(document.id, document.text), *texts]):
            if document.id in (match.a.doc, match.b.doc):
                a, b = sorted((match.a, match.b), key=lambda s: (s.doc, s.start))
                found[a.doc, a.start, b.doc, b.start] = match
    return list(found.values())


def other_reports(document, limit=MAX_REPORTS):
    """Return ``[(other document, matched sentences)]`` for ``document``, most shared first.

    One query over the stored matches (no document text is loaded)."""
    shared = func.count(PassageMatch.id).label("shared")
    rows = db.session.execute(
        select(PassageMatch.other_id, shared).where(PassageMatch.document_id == document.id)
        .group_by(PassageMatch.other_id).order_by(shared.desc(), PassageMatch.other_id)
        .limit(limit)).all()
    if not rows:
        return []
    others = {d.id: d for d in db.session.scalars(
        select(Document).where(Document.id.in_([r.other_id for r in rows]))
        .options(db.defer(Document.text)))}
    return [(others[r.other_id], r.shared) for r in rows if r.other_id in others]


def reports_state(document):
    """Return what moves when ``document``'s other reports change (for its page's ETag)."""
    return tuple(db.session.execute(
        select(func.count(PassageMatch.id), func.max(PassageMatch.id))
        .where(PassageMatch.document_id == document.id)).one())


def compare_documents(document_a, document_b, budget=None):
    """Return the rows that show two documents side by side (see alignment.py).

    Each row is ``{"paired", "a", "b", "marked"}``; each side a list of passages
    ``{"start", "end", "text", "html", "notes"}``: ``html`` marks the words only one side
    of a pair has, ``notes`` are the published notes (not replies) over the passage, in
    text order. ``marked`` is False for a pair whose words were too many to compare
    within ``budget`` (a diffs.Budget for the whole page). Notes are placed with a
    binary search each: linear in their number but for the log factor.
    """
    if len(document_a.text) + len(document_b.text) > MAX_COMPARED:
        raise TooLongError(f"together longer than {MAX_COMPARED:,} characters")
    budget = budget or Budget()
    rows, by_document = [], {document_a.id: [], document_b.id: []}
    for block in align(document_a.text, document_b.text):
        sides = []
        for document, found in ((document_a, block.a), (document_b, block.b)):
            side = [{"start": p.start, "end": p.end, "text": document.text[p.start:p.end],
                     "notes": []} for p in found]
            by_document[document.id].extend(side)
            sides.append(side)
        row = {"paired": block.paired, "a": sides[0], "b": sides[1], "marked": False}
        if block.paired:
            html_a, html_b, row["marked"] = marked_pair(
                [p["text"] for p in sides[0]], [p["text"] for p in sides[1]], budget)
            for passage, html in (*zip(sides[0], html_a), *zip(sides[1], html_b)):
                passage["html"] = html
        else:
            for passage in sides[0] + sides[1]:
                passage["html"] = passage["text"]
        rows.append(row)
    for document in (document_a, document_b):
        _place_notes(document, by_document[document.id])
    return rows


def _place_notes(document, found):
    """Put each note readers see on ``document`` into the passages its span overlaps."""
    found = sorted(found, key=lambda p: p["start"])
    starts = [p["start"] for p in found]
    for note in visible_annotations(document, include_drafts=False):
        if note.start is None or note.reply_to_id is not None:
            continue
        index = max(bisect_right(starts, note.start) - 1, 0)
        while index < len(found) and found[index]["start"] < note.end:
            if found[index]["end"] > note.start:
                found[index]["notes"].append(note)
            index += 1
