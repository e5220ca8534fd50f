"""The editors' desk: what waits for one editor across the corpus, as a list of sections.

A section is a title and a query: ``query(user)`` returns a SELECT of Annotation or
Assignment rows in the order to show them (the desk counts and pages it in SQL), a
list, or a listing with ``count()`` and ``rows(offset, limit)``. Adding a section is
one line in ``SECTIONS``. Every query is paged; none loads a document's text.
"""

import re
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from flask import current_app
from sqlalchemy import Select, func, literal, select, union_all
from sqlalchemy.orm import aliased, joinedload, load_only

from ..extensions import db
from ..models import (
    Annotation, AnnotationRevision, Assignment, Document, DocumentRevision, ReaderMessage, User,
    content_version,
)
from .assignments import open_condition
from .discussion import mentions_query
from .messages import inbox_query
from .related import corpus_matches, kept_corpus_matches, linked_matches
from .review import awaiting_review_query, changes_requested_query

ACTIVITY_LIMIT = 500  # events the activity feed reaches back


@dataclass(frozen=True)
class Section:
    """One block of the desk: a title, a query of the signed-in user, and how to show it."""

    title: str
    query: Callable
    in_nav: bool = False  # counted in the navigation bar (its query must be a cheap SELECT)
    empty: str = "Nothing here."
    aside: bool = False  # shown beside the others (the activity feed)

    @property
    def key(self):
        """The section's name in URLs, made from its title."""
        return re.sub(r"[^a-z0-9]+", "-", self.title.lower()).strip("-")


def _document_columns():
    """Load a note's or an assignment's document without its text."""
    return load_only(Document.id, Document.slug, Document.title, Document.outlet)


def _loaders(entity):
    """What a row of ``entity`` shows besides itself, each loaded in the same query."""
    if entity is Annotation:
        return (joinedload(Annotation.document).options(_document_columns()),
                joinedload(Annotation.creator))
    if entity is AnnotationRevision:
        return (joinedload(AnnotationRevision.user),
                joinedload(AnnotationRevision.annotation).joinedload(Annotation.document)
                .options(_document_columns()))
    if entity is Assignment:
        return (joinedload(Assignment.assignee), joinedload(Assignment.assigned_by),
                joinedload(Assignment.closed_by),
                joinedload(Assignment.document).options(_document_columns()),
                joinedload(Assignment.annotation).joinedload(Annotation.document)
                .options(_document_columns()))
    if entity is ReaderMessage:
        return (joinedload(ReaderMessage.document).options(_document_columns()),)
    return ()


def assigned_to(user):
    """Open assignments given to ``user``, newest first."""
    return (select(Assignment)
            .where(Assignment.assignee_id == user.id, *open_condition())
            .order_by(Assignment.created_at.desc(), Assignment.id.desc()))


def my_drafts(user):
    """Notes ``user`` wrote that readers do not see yet, last changed first: drafts, notes
    awaiting review, and published notes with an unapproved change. Never comments."""
    mine = Annotation.creator_id == user.id
    # two lookups, each through its own index, rather than one pass over all of user's notes
    unpublished = (select(Annotation.id).where(mine, Annotation.status.in_(("draft", "review")))
                   .union(select(Annotation.id).where(mine, Annotation.pending_status.is_not(None))))
    return (select(Annotation)
            .where(Annotation.id.in_(unpublished), Annotation.deleted_at.is_(None),
                   Annotation.reply_to_id.is_(None))
            .order_by(Annotation.modified_at.desc(), Annotation.id.desc()))


def notes_to_check(user=None):
    """Notes a text revision moved onto changed words or orphaned, not yet confirmed or
    re-attached, in any document: by document, then place in the text."""
    return (select(Annotation)
            .where(Annotation.needs_check.is_(True), Annotation.deleted_at.is_(None),
                   Annotation.reply_to_id.is_(None))
            .order_by(Annotation.document_id, Annotation.start.nulls_first(), Annotation.id))


@dataclass(frozen=True)
class Pair:
    """Two passages in different documents that report one statement; neither cites a source
    the other cites."""

    here: object  # matching.Sentence
    there: object
    score: float


_UNLINKED = {}  # the last answer per database: {database: (content version, pairs)}
SYNC_DOCUMENTS = 50  # a corpus this small is matched during the request (well under a second)
_MATCHING = threading.Lock()  # held while a background thread matches the corpus
matching_thread = None  # the last background matching (tests wait for it)


class _Pending:
    """The listing of a section whose rows are being worked out in the background."""

    pending = True

    def count(self):
        return None

    def rows(self, offset, limit):
        return []


def unlinked_passages(user=None):
    """Return the Pairs of passages reported in several documents that no shared source links.

    Work is bounded three ways. Until something is written (the content version moves,
    see pagecache.py) the last answer stands. Matching runs once per state of the
    corpus's texts (``corpus_matches`` keeps it); on a corpus of more than
    SYNC_DOCUMENTS documents it runs in a background thread, and meanwhile the section
    says so. Which pairs are linked is kept and brought up to date from the notes
    changed since (``linked_matches``): the same work however many notes cite a source.
    """
    version = db.session.scalar(content_version())
    if version is not None:
        version = (str(db.engine.url), version)  # a version number is per database
    kept = _UNLINKED.get(str(db.engine.url))
    if kept is not None and version is not None and kept[0] == version:
        return kept[1]
    matches = kept_corpus_matches()
    if matches is None:
        if db.session.scalar(select(Document.id).offset(SYNC_DOCUMENTS).limit(1)) is not None:
            match_in_background(current_app._get_current_object())
            return _Pending()
        matches = corpus_matches()
    pairs = [Pair(m.a, m.b, m.score) for m, linked in zip(matches, linked_matches(matches),
                                                          strict=True) if not linked]
    _UNLINKED[str(db.engine.url)] = (version, pairs)
    return pairs


def match_in_background(app):
    """Match the corpus in a thread of this process, unless one is at it already."""
    global matching_thread
    if not _MATCHING.acquire(blocking=False):
        return

    def run():
        try:
            with app.app_context():
                corpus_matches()
                db.session.remove()
        finally:
            _MATCHING.release()
    matching_thread = threading.Thread(target=run, name="corpus-matching", daemon=True)
    matching_thread.start()


def pair_details(pairs):
    """Return, for each Pair, ``{"pair", "here", "there"}`` with each side's document and words.

    The words are cut out in SQL, so no document's whole text is loaded.
    """
    if not pairs:
        return []
    sides = [side for pair in pairs for side in (pair.here, pair.there)]
    words = dict(db.session.execute(union_all(*(
        select(literal(i).label("i"),
               func.substr(Document.text, side.start + 1, side.end - side.start).label("words"))
        .where(Document.id == side.doc) for i, side in enumerate(sides)))).all())
    documents = {d.id: d for d in db.session.scalars(
        select(Document).where(Document.id.in_({side.doc for side in sides}))
        .options(_document_columns()))}
    return [{"pair": pair,
             "here": {"document": documents[pair.here.doc], "words": words.get(2 * i, ""),
                      "start": pair.here.start, "end": pair.here.end},
             "there": {"document": documents[pair.there.doc], "words": words.get(2 * i + 1, ""),
                       "start": pair.there.start, "end": pair.there.end}}
            for i, pair in enumerate(pairs)]


@dataclass
class Event:
    """One line of the activity feed: who did what, when, to which document or note."""

    at: datetime
    actor: User | None
    action: str
    document: Document | None = None
    annotation: Annotation | None = None
    assignment: Assignment | None = None
    detail: str = ""


class Activity:
    """The recent-activity listing: note revisions, text revisions and assignments, merged.

    Each source is read newest first up to the page's end (at most ACTIVITY_LIMIT
    events), as times and ids only; then only the page's rows are loaded. A page costs a
    few indexed queries whatever the size of the history.
    """

    def count(self):
        return None  # not counted: the feed pages by "older"

    def rows(self, offset, limit):
        upto = min(offset + limit, ACTIVITY_LIMIT)
        if offset >= upto:
            return []
        stamps = self._stamps(upto)
        stamps.sort(key=lambda stamp: (stamp[0], stamp[1]), reverse=True)
        page = stamps[offset:upto]
        loaded = self._load(page)
        return [loaded[kind, row_id] for _, row_id, kind in page if (kind, row_id) in loaded]

    @staticmethod
    def _stamps(n):
        """Return ``(time, id, kind)`` of the ``n`` newest events of each kind."""
        successor = aliased(Assignment)
        handed_on = select(successor.id).where(successor.replaces_id == Assignment.id).exists()
        queries = {
            "note": select(AnnotationRevision.created_at, AnnotationRevision.id)
            .join(Annotation, Annotation.id == AnnotationRevision.annotation_id)
            .where(AnnotationRevision.action != "re-anchored",  # the text revision says it
                   Annotation.reply_to_id.is_(None)),  # comments are in the discussions
            "text": select(DocumentRevision.created_at, DocumentRevision.id),
            "assigned": select(Assignment.created_at, Assignment.id),
            "done": select(Assignment.done_at, Assignment.id).where(Assignment.done_at.is_not(None)),
            # a reassignment is one event (the new assignment), not an unassignment too
            "unassigned": select(Assignment.cancelled_at, Assignment.id)
            .where(Assignment.cancelled_at.is_not(None), ~handed_on),
        }
        stamps = []
        for kind, query in queries.items():
            at, row_id = query.selected_columns
            stamps.extend((when, found, kind) for when, found in db.session.execute(
                query.order_by(at.desc(), row_id.desc()).limit(n)))
        return stamps

    @staticmethod
    def _load(page):
        """Return ``{(kind, id): Event}`` for the stamps of one page."""
        ids = {}
        for _, row_id, kind in page:
            ids.setdefault(kind, set()).add(row_id)
        events = {}
        if ids.get("note"):
            for r in db.session.scalars(
                    select(AnnotationRevision).where(AnnotationRevision.id.in_(ids["note"]))
                    .options(load_only(AnnotationRevision.action, AnnotationRevision.created_at,
                                       AnnotationRevision.annotation_id,
                                       AnnotationRevision.user_id, AnnotationRevision.version),
                             *_loaders(AnnotationRevision))):
                events["note", r.id] = Event(r.created_at, r.user, r.action, r.annotation.document,
                                             r.annotation)
        if ids.get("text"):
            for r in db.session.scalars(
                    select(DocumentRevision).where(DocumentRevision.id.in_(ids["text"]))
                    .options(load_only(DocumentRevision.created_at, DocumentRevision.number,
                                       DocumentRevision.note, DocumentRevision.document_id,
                                       DocumentRevision.created_by_id),
                             joinedload(DocumentRevision.document).options(_document_columns()),
                             joinedload(DocumentRevision.created_by))):
                events["text", r.id] = Event(r.created_at, r.created_by,
                                             "added" if r.number == 1 else "revised", r.document,
                                             detail=r.note if r.number > 1 else "")
        wanted = set().union(*(ids.get(k, set()) for k in ("assigned", "done", "unassigned")))
        if wanted:
            for a in db.session.scalars(select(Assignment).where(Assignment.id.in_(wanted))
                                        .options(*_loaders(Assignment))).unique():
                target = a.document or a.annotation.document
                if a.id in ids.get("assigned", ()):
                    events["assigned", a.id] = Event(
                        a.created_at, a.assigned_by, "reassigned" if a.replaces_id else "assigned",
                        target, a.annotation, a)
                if a.id in ids.get("done", ()):
                    events["done", a.id] = Event(a.done_at, a.closed_by, "done", target,
                                                 a.annotation, a)
                if a.id in ids.get("unassigned", ()):
                    events["unassigned", a.id] = Event(a.cancelled_at, a.closed_by, "unassigned",
                                                       target, a.annotation, a)
        return events


def readers_messages(user=None):
    """Readers' messages no editor has sorted yet, newest first (the inbox has them all)."""
    return inbox_query("pending")


def recent_activity(user=None):
    """Everything editors did lately, newest first (see Activity)."""
    return Activity()


SECTIONS = (
    Section("Assigned to me", assigned_to, in_nav=True, empty="Nothing is assigned to you."),
    Section("Awaiting my review", awaiting_review_query, in_nav=True,
            empty="No change waits for your review."),
    Section("Changes requested", changes_requested_query, in_nav=True,
            empty="No note of yours was sent back."),
    Section("Mentions of me", mentions_query, empty="No comment mentions you."),
    Section("My drafts", my_drafts, empty="No drafts: everything you wrote is published."),
    Section("To check after a text revision", notes_to_check, in_nav=True,
            empty="No note waits for a check: every re-anchored note was confirmed."),
    Section("Readers' messages", readers_messages, in_nav=True,
            empty="No reader's message waits. Sorted ones are in the inbox."),
    Section("Passages reported elsewhere, not linked yet", unlinked_passages,
            empty="Every passage reported in several documents is linked to a source."),
    Section("Recent activity", recent_activity, empty="Nothing has happened yet.", aside=True),
)


def find_section(key):
    """Return the section called ``key`` in URLs, or None."""
    return next((s for s in SECTIONS if s.key == key), None)


class _QueryListing:
    """A SELECT counted and paged in SQL."""

    def __init__(self, statement):
        self.statement = statement

    def count(self):
        return db.session.scalar(select(func.count()).select_from(
            self.statement.order_by(None).subquery()))

    def rows(self, offset, limit):
        loaders = _loaders(self.statement.column_descriptions[0].get("entity"))
        return db.session.scalars(self.statement.options(*loaders)
                                  .offset(offset).limit(limit)).unique().all()


class _ListListing:
    def __init__(self, items):
        self.items = items

    def count(self):
        return len(self.items)

    def rows(self, offset, limit):
        return list(self.items[offset:offset + limit])


def listing(section, user):
    """Return the section's rows for ``user`` as something with ``count()`` and ``rows()``."""
    result = section.query(user)
    if isinstance(result, Select):
        return _QueryListing(result)
    if isinstance(result, (list, tuple)):
        return _ListListing(result)
    return result


def nav_counts(user):
    """Return ``[(section, count)]`` for the sections shown in the navigation bar."""
    return [(section, listing(section, user).count()) for section in SECTIONS if section.in_nav]


def reanchor_details(annotations):
    """Return ``{annotation id: details}`` of the last re-anchoring of each flagged note.

    ``details`` holds the words before and after, the state, the score and the text's
    revision number (see annotations.record_reanchoring).
    """
    ids = [a.id for a in annotations if isinstance(a, Annotation) and a.needs_check]
    if not ids:
        return {}
    latest = (select(func.max(AnnotationRevision.id))
              .where(AnnotationRevision.annotation_id.in_(ids),
                     AnnotationRevision.action == "re-anchored")
              .group_by(AnnotationRevision.annotation_id))
    return {r.annotation_id: r.snapshot.get("anchor", {}) for r in db.session.scalars(
        select(AnnotationRevision).where(AnnotationRevision.id.in_(latest)))}
