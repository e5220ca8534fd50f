"""The document index: its query string, one page of documents and the counts beside the filters.

Every query here reads the documents and their kept counts (counts.py) through
indexes, never the annotations of the whole corpus: a page costs the same at 100 or
10,000 documents. The counts beside the filters do read every matching document's
row once; they are kept per process until the corpus changes (the corpus row's
``changes``), as the page cache keeps pages.
"""

import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import case, func, or_, select

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


def _conditions(query, without=()):
    """WHERE clauses for ``query``'s filters, except the facets named in ``without``."""
    D, C = Document, DocumentCounts
    found = []
    if query.outlet and "outlet" not in without:
        found.append(D.outlet == query.outlet)
    if query.author and "author" not in without:
        found.append(D.author == query.author)
    if query.date_from:
        found.append(D.published_on >= query.date_from)
    if query.date_to:
        found.append(D.published_on <= query.date_to)
    if query.kinds and "kind" not in without:  # alternatives within a facet (filters.py)
        found.append(or_(*(getattr(C, f"kind_{k}") > 0 for k in sorted(query.kinds))))
    if query.verdicts and "verdict" not in without:
        found.append(or_(*(getattr(C, f"verdict_{v}") > 0 for v in sorted(query.verdicts))))
    return found


def _joined(statement):
    return statement.select_from(Document).join(DocumentCounts, DocumentCounts.document_id == Document.id)


_ORDERS = {
    "newest": (Document.published_on.desc().nulls_last(), Document.id.desc()),
    "annotated": (DocumentCounts.notes.desc(), DocumentCounts.document_id.desc()),
    "title": (Document.title, Document.id),
}


def page_of_documents(query):
    """Return ``[(document, counts)]`` on ``query``'s page, in its order (PER_PAGE at most)."""
    statement = (_joined(select(Document, DocumentCounts)).where(*_conditions(query))
                 .order_by(*_ORDERS[query.sort])
                 .limit(PER_PAGE).offset((query.page - 1) * PER_PAGE))
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
    """How many documents each filter value would give, with the others applied."""

    total: int
    outlets: list  # [(value, documents)], the most frequent first
    authors: list
    kinds: dict  # kind -> documents
    verdicts: dict


_KEPT = OrderedDict()
_LOCK = threading.Lock()


def facet_counts(query, state):
    """Return the Facets of ``query`` (its page aside), kept while the corpus ``state`` holds."""
    key = (str(db.engine.url), state, replace(query, page=1, sort="newest", errors=()))
    with _LOCK:
        if key in _KEPT:
            _KEPT.move_to_end(key)
            return _KEPT[key]
    facets = _count_facets(query)
    with _LOCK:
        _KEPT[key] = facets
        while len(_KEPT) > KEPT:
            _KEPT.popitem(last=False)
    return facets


def forget_facet_counts():
    """Drop every kept count (the benchmark measures them computed)."""
    with _LOCK:
        _KEPT.clear()


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
