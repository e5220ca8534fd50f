"""The editors' desk: what waits for one editor across the corpus, as a list of sections.

A section is a title and a query: ``query(user)`` returns a SELECT of Annotation or
Assignment rows in the order to show them (the desk counts and pages it in SQL), a
list, or a listing with ``count()`` and ``rows(offset, limit)``. Adding a section is
one line in ``SECTIONS``. Every query is paged; none loads a document's text.
"""

import re
from bisect import bisect_left
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from sqlalchemy import Select, func, literal, select, union_all
from sqlalchemy.orm import load_only, selectinload

from ..extensions import db
from ..models import (
    Annotation, AnnotationRevision, Assignment, ContentVersion, Document, DocumentRevision, User,
)
from .assignments import open_condition
from .related import corpus_matches

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


def assigned_to(user):
    """Open assignments given to ``user``, newest first."""
    return (select(Assignment)
            .where(Assignment.assignee_id == user.id, *open_condition())
            .options(selectinload(Assignment.assigned_by),
                     selectinload(Assignment.assignee),
                     selectinload(Assignment.document).options(_document_columns()),
                     selectinload(Assignment.annotation).selectinload(Annotation.document)
                     .options(_document_columns()))
            .order_by(Assignment.created_at.desc(), Assignment.id.desc()))


def my_drafts(user):
    """Drafts ``user`` created that are not deleted, last changed first."""
    return (select(Annotation)
            .where(Annotation.creator_id == user.id, Annotation.status == "draft",
                   Annotation.deleted_at.is_(None))
            .order_by(Annotation.modified_at.desc(), Annotation.id.desc()))


def notes_to_check(user=None):
    """Notes a text revision moved onto changed words or orphaned, not yet confirmed or
    re-attached, in any document: by document, then place in the text."""
    return (select(Annotation)
            .where(Annotation.needs_check.is_(True), Annotation.deleted_at.is_(None))
            .order_by(Annotation.document_id, Annotation.start.nulls_first(), Annotation.id))


@dataclass(frozen=True)
class Pair:
    """Two passages in different documents that report one statement; neither cites a source
    the other cites."""

    here: object  # matching.Sentence
    there: object
    score: float


_UNLINKED = {}  # the last answer: matches object, content version, pairs


def unlinked_passages(user=None):
    """Return the Pairs of passages reported in several documents that no shared source links.

    Matching runs once per state of the corpus's texts (``corpus_matches`` keeps it);
    which pairs are linked is worked out again only after a write to the notes (the
    content version moved), in one pass over the notes that cite a source.
    """
    matches = corpus_matches()
    version = db.session.scalar(select(ContentVersion.version))
    kept = _UNLINKED.get("entry")
    if kept is not None and kept[0] is matches and kept[1] == version and version is not None:
        return kept[2]
    cited = {}
    for doc, start, end, source_id in db.session.execute(
            select(Annotation.document_id, Annotation.start, Annotation.end, Annotation.source_id)
            .where(Annotation.source_id.is_not(None), Annotation.deleted_at.is_(None),
                   Annotation.start.is_not(None))
            .order_by(Annotation.document_id, Annotation.start)):
        cited.setdefault(doc, []).append((start, end, source_id))
    starts = {doc: [span[0] for span in spans] for doc, spans in cited.items()}

    def sources_over(passage):
        spans = cited.get(passage.doc, ())
        upto = bisect_left(starts.get(passage.doc, ()), passage.end)
        return {source for start, end, source in spans[:upto] if end > passage.start}

    pairs = [Pair(m.a, m.b, m.score) for m in matches
             if not sources_over(m.a) & sources_over(m.b)]
    _UNLINKED["entry"] = (matches, version, pairs)
    return pairs


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

    Each source is read newest first up to the page's end (at most ACTIVITY_LIMIT), so a
    page costs a few indexed queries whatever the size of the history.
    """

    def count(self):
        return None  # not counted: the feed pages by "older"

    def rows(self, offset, limit):
        upto = min(offset + limit, ACTIVITY_LIMIT)
        if offset >= upto:
            return []
        events = self._note_events(upto) + self._text_events(upto) + \
            self._assignment_events(upto)
        events.sort(key=lambda e: e.at, reverse=True)
        return events[offset:upto]

    @staticmethod
    def _note_events(n):
        revisions = db.session.scalars(
            select(AnnotationRevision)
            .where(AnnotationRevision.action != "re-anchored")  # the text revision says it
            .options(load_only(AnnotationRevision.action, AnnotationRevision.created_at,
                               AnnotationRevision.annotation_id, AnnotationRevision.user_id,
                               AnnotationRevision.version),
                     selectinload(AnnotationRevision.user),
                     selectinload(AnnotationRevision.annotation).selectinload(Annotation.document)
                     .options(_document_columns()))
            .order_by(AnnotationRevision.created_at.desc(), AnnotationRevision.id.desc())
            .limit(n)).all()
        return [Event(r.created_at, r.user, r.action, r.annotation.document, r.annotation)
                for r in revisions]

    @staticmethod
    def _text_events(n):
        rows = db.session.execute(
            select(DocumentRevision.created_at, DocumentRevision.number, DocumentRevision.note,
                   DocumentRevision.document_id, DocumentRevision.created_by_id)
            .order_by(DocumentRevision.created_at.desc(), DocumentRevision.id.desc())
            .limit(n)).all()
        documents = {d.id: d for d in db.session.scalars(
            select(Document).where(Document.id.in_({r.document_id for r in rows}))
            .options(_document_columns()))}
        users = _users({r.created_by_id for r in rows})
        return [Event(r.created_at, users.get(r.created_by_id),
                      "added" if r.number == 1 else "revised", documents[r.document_id],
                      detail=r.note if r.number > 1 else "")
                for r in rows]

    @staticmethod
    def _assignment_events(n):
        options = (selectinload(Assignment.assignee), selectinload(Assignment.assigned_by),
                   selectinload(Assignment.closed_by),
                   selectinload(Assignment.document).options(_document_columns()),
                   selectinload(Assignment.annotation).selectinload(Annotation.document)
                   .options(_document_columns()))
        events = []
        for column, action in ((Assignment.created_at, "assigned"),
                               (Assignment.done_at, "done"),
                               (Assignment.cancelled_at, "unassigned")):
            found = db.session.scalars(select(Assignment).where(column.is_not(None))
                                       .options(*options)
                                       .order_by(column.desc(), Assignment.id.desc())
                                       .limit(n)).all()
            for a in found:
                if action == "assigned":
                    who, verb = a.assigned_by, "reassigned" if a.replaces_id else "assigned"
                else:
                    who, verb = a.closed_by, action
                events.append(Event(getattr(a, column.key), who, verb,
                                    a.document or a.annotation.document, a.annotation, a))
        handed_on = set(db.session.scalars(select(Assignment.replaces_id).where(
            Assignment.replaces_id.in_([e.assignment.id for e in events
                                        if e.action == "unassigned"]))))
        # a reassignment is one event, not an unassignment and an assignment
        return [e for e in events if not (e.action == "unassigned" and e.assignment.id in handed_on)]


def recent_activity(user=None):
    """Everything editors did lately, newest first (see Activity)."""
    return Activity()


def _users(ids):
    ids = {i for i in ids if i is not None}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids \
        else {}


SECTIONS = (
    Section("Assigned to me", assigned_to, in_nav=True, empty="Nothing is assigned to you."),
    Section("My drafts", my_drafts, empty="No drafts: everything you wrote is published."),
    Section("To check after a text revision", notes_to_check, in_nav=True,
            empty="No note waits for a check: every re-anchored note was confirmed."),
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
        if statement.column_descriptions[0].get("entity") is Annotation:
            self.statement = statement.options(
                selectinload(Annotation.document).options(_document_columns()),
                selectinload(Annotation.creator))

    def count(self):
        return db.session.scalar(select(func.count()).select_from(
            self.statement.order_by(None).subquery()))

    def rows(self, offset, limit):
        return db.session.scalars(self.statement.offset(offset).limit(limit)).all()


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
