"""The document index: its query string, one page of documents and the counts beside the filters.

Every query here reads the documents and their kept counts (counts.py) through
indexes, never the annotations of the whole corpus: a page costs the same at 100 or
10,000 documents. The counts beside the filters read every document they count, so a
request counts them only when that is at most ``INLINE`` documents (one bounded look
says so); more are counted by a thread of the process after the answer, and the page
says meanwhile that the counts come in a moment. Counts are kept per process until the
corpus changes (the corpus row's ``changes``); after a change, the earlier counts are
shown (marked not fresh, so no cache keeps the page) until the thread has the new ones.
"""

import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import date

from flask import current_app
from sqlalchemy import case, func, literal, or_, select

from .config import KINDS, VERDICTS
from .extensions import db
from .counts import corpus_totals
from .fields import strip_invisible
from .models import Annotation, Document, DocumentCounts

PER_PAGE = 15
MAX_PAGE = 100_000
TOP_VALUES = 40  # outlets and authors offered in the filters, the most frequent first
MAX_VALUE = 200  # characters of an outlet or author from the URL
SORTS = {"newest": "Newest first", "annotated": "Most annotated", "title": "Title A–Z"}
KEPT = 64  # facet counts kept per process (different filter combinations)
INLINE = 2_000  # documents a request counts for the filters; more are counted after it
WAITING = 16  # filter combinations waiting to be counted after their request, at most


class QueryError(ValueError):
    """A value in the index's query string that cannot be used; the message says why."""


@dataclass(frozen=True)
class IndexQuery:
    """What a reader asked the index for; empty values do not filter."""

    page: int = 1
    sort: str = "newest"
    outlet: str = ""
    author: str = ""
    date_from: date | None = None
    date_to: date | None = None
    kinds: frozenset = frozenset()
    verdicts: frozenset = frozenset()
    errors: tuple = field(default=(), compare=False)

    @property
    def filtered(self):
        return bool(self.outlet or self.author or self.date_from or self.date_to
                    or self.kinds or self.verdicts)

    def args(self, **changes):
        """Query arguments for this query with ``changes`` (a page, a filter taken off)."""
        query = replace(self, **changes)
        args = {"sort": query.sort if query.sort != "newest" else None,
                "outlet": query.outlet or None, "author": query.author or None,
                "from": query.date_from.isoformat() if query.date_from else None,
                "to": query.date_to.isoformat() if query.date_to else None,
                "kind": sorted(query.kinds) or None, "verdict": sorted(query.verdicts) or None,
                "page": query.page if query.page > 1 else None}
        return {k: v for k, v in args.items() if v is not None}


def _value(args, name):
    """An outlet or author from the URL, cleaned as stored ones are (no NUL, no invisibles)."""
    return strip_invisible(args.get(name, "")).strip()[:MAX_VALUE]


def parse_index_query(args):
    """Return the IndexQuery of query arguments (a MultiDict); bad values are left out.

    Every value that could not be used is named in ``errors``, in words a reader acts on.
    """
    errors = []
    page = 1
    raw = args.get("page", "").strip()
    if raw:
        if raw.isascii() and raw.isdigit() and len(raw) < 7 and 1 <= int(raw) <= MAX_PAGE:
            page = int(raw)
        else:
            errors.append(f"“{raw[:20]}” is not a page number: pages are numbered 1, 2, 3 …")
    sort = args.get("sort", "").strip() or "newest"
    if sort not in SORTS:
        errors.append(f"“{sort[:20]}” is not a way to sort: choose "
                      + ", ".join(label.lower() for label in SORTS.values()) + ".")
        sort = "newest"
    dates = {}
    for name, label in (("from", "From"), ("to", "To")):
        raw = args.get(name, "").strip()
        if not raw:
            continue
        try:
            dates[name] = date.fromisoformat(raw[:10]) if len(raw) == 10 else None
        except ValueError:
            dates[name] = None
        if dates[name] is None:
            errors.append(f"{label}: “{raw[:20]}” is not a date; write it as 2026-12-02.")
    if dates.get("from") and dates.get("to") and dates["from"] > dates["to"]:
        errors.append("The “from” date comes after the “to” date: no document can match both.")
    kinds = frozenset(k for k in args.getlist("kind") if k in KINDS)
    verdicts = frozenset(v for v in args.getlist("verdict") if v in VERDICTS)
    return IndexQuery(page=page, sort=sort, outlet=_value(args, "outlet"),
                      author=_value(args, "author"),
                      date_from=dates.get("from"), date_to=dates.get("to"),
                      kinds=kinds, verdicts=verdicts, errors=tuple(errors))


def _facet_conditions(query):
    """``{facet: WHERE clause}`` of the filters chosen among outlet, author, kind, verdict."""
    D, C = Document, DocumentCounts
    found = {}
    if query.outlet:
        found["outlet"] = D.outlet == query.outlet
    if query.author:
        found["author"] = D.author == query.author
    if query.kinds:  # alternatives within a facet (filters.py)
        found["kind"] = or_(*(getattr(C, f"kind_{k}") > 0 for k in sorted(query.kinds)))
    if query.verdicts:
        found["verdict"] = or_(*(getattr(C, f"verdict_{v}") > 0 for v in sorted(query.verdicts)))
    return found


def _conditions(query, without=()):
    """WHERE clauses for ``query``'s filters, except the facets named in ``without``."""
    found = []
    if query.date_from:
        found.append(Document.published_on >= query.date_from)
    if query.date_to:
        found.append(Document.published_on <= query.date_to)
    return found + [clause for facet, clause in _facet_conditions(query).items()
                    if facet not in without]


def _joined(statement):
    return statement.select_from(Document).join(DocumentCounts, DocumentCounts.document_id == Document.id)


_ORDERS = {
    "newest": (Document.published_on.desc().nulls_last(), Document.id.desc()),
    "annotated": (DocumentCounts.notes.desc(), DocumentCounts.document_id.desc()),
    "title": (Document.title, Document.id),
}


def page_of_documents(query, extra=0):
    """Return ``[(document, counts)]`` on ``query``'s page, in its order (PER_PAGE at most,
    and ``extra`` more after it: is there a next page?)."""
    statement = (_joined(select(Document, DocumentCounts)).where(*_conditions(query))
                 .order_by(*_ORDERS[query.sort])
                 .limit(PER_PAGE + extra).offset((query.page - 1) * PER_PAGE))
    return [(document, counts) for document, counts in db.session.execute(statement)]


def note_positions(document_ids):
    """Return ``{document id: [(id, kind, start)]}`` of the published placed notes there."""
    positions = {doc_id: [] for doc_id in document_ids}
    if not document_ids:
        return positions
    for doc_id, ann_id, kind, start in db.session.execute(
            select(Annotation.document_id, Annotation.id, Annotation.kind, Annotation.start)
            .where(Annotation.document_id.in_(document_ids), Annotation.status == "published",
                   Annotation.deleted_at.is_(None), Annotation.orphan.is_(False),
                   Annotation.reply_to_id.is_(None), Annotation.start.is_not(None))
            .order_by(Annotation.start, Annotation.id)):
        positions[doc_id].append((ann_id, kind, start))
    return positions


def corpus_state():
    """Return the corpus's ``(changes, changed_at)``: they move with every write the index shows."""
    corpus = corpus_totals()
    return (corpus.changes, corpus.changed_at) if corpus else (None, None)


@dataclass
class Facets:
    """How many documents each filter value would give, with the others applied.

    ``fresh`` is False for counts of an earlier state of the corpus; ``total`` is None
    (and every count) while the counts are still to come: then more than INLINE
    documents match.
    """

    total: int | None
    outlets: list  # [(value, documents)], the most frequent first
    authors: list
    kinds: dict  # kind -> documents
    verdicts: dict
    fresh: bool = True

    @classmethod
    def to_come(cls, query):
        """Counts not worked out yet: the chosen values alone, without numbers."""
        return cls(total=None, outlets=[(query.outlet, None)] if query.outlet else [],
                   authors=[(query.author, None)] if query.author else [],
                   kinds=dict.fromkeys(KINDS), verdicts=dict.fromkeys(VERDICTS), fresh=False)


_KEPT = OrderedDict()  # (database, query) -> (corpus state, Facets)
_WAITING = {}  # (database, query) -> (app, query): counted by the thread after the request
_WORKER = []  # the thread counting them, while it runs
_LOCK = threading.Lock()


def facet_counts(query, state):
    """Return the Facets of ``query`` (its page aside) for the corpus ``state``.

    Kept ones of this state at once; else counted here when at most INLINE documents
    take part; else the kept ones of an earlier state, or Facets.to_come, while a
    thread counts them.
    """
    key = (str(db.engine.url), replace(query, page=1, sort="newest", errors=()))
    with _LOCK:
        kept = _KEPT.get(key)
        if kept:
            _KEPT.move_to_end(key)
    if kept and kept[0] == state:
        return kept[1]
    if _counted_documents(query) <= INLINE:
        facets = _count_facets(query)
        _keep(key, state, facets)
        return facets
    _count_later(key, query)
    return replace(kept[1], fresh=False) if kept else Facets.to_come(query)


def _keep(key, state, facets):
    with _LOCK:
        _KEPT[key] = (state, facets)
        _KEPT.move_to_end(key)
        while len(_KEPT) > KEPT:
            _KEPT.popitem(last=False)


def _count_later(key, query):
    """Have ``query``'s facets counted by this process's counting thread, once the
    answer is sent (start_counting): not alongside the request, slowing it down."""
    app = current_app._get_current_object()
    with _LOCK:
        if key not in _WAITING and len(_WAITING) >= WAITING:
            return  # asked again on a later request
        _WAITING[key] = (app, query)


def start_counting():
    """Start the counting thread if counts wait and it is not running (the index calls
    this when its answer is closed)."""
    with _LOCK:
        if not _WAITING or (_WORKER and _WORKER[0].is_alive()):  # (a forked worker
            return                                               # process has none running)
        worker = threading.Thread(target=_count_waiting, name="facet-counts", daemon=True)
        _WORKER[:] = [worker]
    worker.start()


def _count_waiting():
    while True:
        with _LOCK:
            if not _WAITING:
                _WORKER.clear()
                return
            key, (app, query) = _WAITING.popitem()
        try:
            with app.app_context():  # its own session, removed with the context
                state = corpus_state()  # read first: the counts are at least this recent
                facets = _count_facets(query)
        except Exception:  # the database away, say: a later request asks again
            app.logger.exception("counting the index's filters failed")
            continue
        _keep(key, state, facets)


def settle_facet_counts(timeout=60):
    """Wait until the counting thread has counted what waits (tests, the benchmark)."""
    start_counting()
    with _LOCK:
        worker = _WORKER[0] if _WORKER else None
    if worker is not None:
        worker.join(timeout)


def forget_facet_counts():
    """Drop every kept count (the benchmark measures them computed)."""
    settle_facet_counts()
    with _LOCK:
        _KEPT.clear()


def _counted_documents(query):
    """How many documents counting ``query``'s facets reads, up to INLINE + 1: those that
    meet every filter but at most one (each facet is counted without its own filter)."""
    facets = _facet_conditions(query)
    inner = _joined(select(literal(1))).where(*_conditions(query, without=tuple(facets)))
    if len(facets) > 1:
        met = sum((case((clause, 1), else_=0) for clause in facets.values()), literal(0))
        inner = inner.where(met >= len(facets) - 1)
    return db.session.scalar(select(func.count()).select_from(inner.limit(INLINE + 1).subquery()))


def _top(column, query, facet):
    n = func.count()
    rows = db.session.execute(
        _joined(select(column, n)).where(*_conditions(query, without=(facet,)), column != "")
        .group_by(column).order_by(n.desc(), column).limit(TOP_VALUES)).all()
    chosen = getattr(query, facet)
    values = [(value, count) for value, count in rows]
    if chosen and chosen not in {value for value, _ in values}:
        count = db.session.scalar(_joined(select(func.count())).where(
            *_conditions(query, without=(facet,)), column == chosen))
        values.append((chosen, count))
    return values


def _present(columns, query, facet):
    sums = [func.coalesce(func.sum(case((getattr(DocumentCounts, f"{facet}_{v}") > 0, 1),
                                        else_=0)), 0) for v in columns]
    row = db.session.execute(_joined(select(*sums)).where(
        *_conditions(query, without=(facet,)))).one()
    return dict(zip(columns, row))


def _count_facets(query):
    total = db.session.scalar(_joined(select(func.count())).where(*_conditions(query)))
    return Facets(total=total,
                  outlets=_top(Document.outlet, query, "outlet"),
                  authors=_top(Document.author, query, "author"),
                  kinds=_present(KINDS, query, "kind"),
                  verdicts=_present(VERDICTS, query, "verdict"))
