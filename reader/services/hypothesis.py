"""Hypothesis exports in: each annotation placed on its document's words, as an editorial note;
each reply a comment under the note (or comment) it answers."""

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from sqlalchemy import select

from ..extensions import db
from ..interchange.hypothesis import (
    HypothesisError, NormalText, export_items, place_quote, read_note,
)
from ..config import REPLY
from ..models import Annotation, Document
from . import ServiceError, ValidationError
from .annotations import create_annotation, update_annotation
from .discussion import add_reply, edit_reply

FLUSH_EVERY = 1000
CHUNK = 500


@dataclass
class HypothesisReport:
    """What an import of a Hypothesis export did, or would have done.

    ``placed`` counts notes by how they landed: ``exact`` (the same words),
    ``changed`` (near-matching words), ``page`` (no quote: on the whole document);
    ``written`` counts created/updated/unchanged notes, ``comments`` the same for
    replies. ``not_found`` and ``problems`` list ``(link, reason)``; ``replies`` the
    ``(link, reason)`` of replies skipped because the note they answer is not here.
    """

    total: int = 0
    placed: dict = field(default_factory=lambda: {"exact": 0, "changed": 0, "page": 0})
    written: dict = field(default_factory=lambda: {"created": 0, "updated": 0, "unchanged": 0,
                                                   "kept": 0})
    comments: dict = field(default_factory=lambda: {"created": 0, "updated": 0,
                                                    "unchanged": 0, "kept": 0})
    not_found: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    replies: list = field(default_factory=list)

    @property
    def refused(self):
        """How many annotations could not be imported (not found, or not valid)."""
        return len(self.not_found) + len(self.problems)


class HypothesisImportError(ServiceError):
    """Some annotations could not be placed or stored, and nothing was imported."""

    def __init__(self, report):
        self.report = report
        super().__init__(f"{report.refused} of {report.total} annotation(s) could not be "
                         "imported; nothing was imported")


def import_hypothesis(data, slug=None, partial=False, only_new=False):
    """Import a parsed Hypothesis export; return its HypothesisReport.

    Each annotation goes to the document whose source URL is its ``uri`` (or to the
    document ``slug``), placed by its quote and context, and becomes an editorial note
    with its text, tags, dates, author's name and its Hypothesis link as ``via``
    (importing the same file again updates, never duplicates). Public annotations are
    published, the others drafts. A reply becomes an editors' comment under the note
    (or comment) it answers, from this file or imported before; one whose note is not
    here is skipped and listed. With ``only_new`` a note imported before is left as it is (an editor may
    have changed it). Unless ``partial``, any annotation not found or not valid means
    nothing is written (HypothesisImportError); the caller commits.
    """
    try:
        items = export_items(data)
    except HypothesisError as exc:
        raise ValidationError({"file": str(exc)}) from None
    report = HypothesisReport(total=len(items))
    notes, replies = [], []
    for index, item in enumerate(items):
        try:
            note = read_note(index, item)
        except HypothesisError as exc:
            report.problems.append((_label(index, item), str(exc)))
            continue
        (replies if note.is_reply else notes).append(note)
    documents = _Documents(slug)
    existing = _by_via([note.link for note in notes])
    savepoint = db.session.begin_nested()
    pending = []
    with db.session.no_autoflush:
        for note in notes:
            document = documents.find(note.uri)
            if document is None:
                report.not_found.append((note.link, documents.missing(note.uri, note.title)))
                continue
            placed = _place(note, documents.normal(document))
            if placed is False:
                report.not_found.append(
                    (note.link, f"the quote {note.exact[:60]!r} is not in {document.slug}"))
                continue
            if only_new and note.link in existing:
                report.placed[placed.state if placed else "page"] += 1
                report.written["kept"] += 1
                continue
            try:
                outcome = _write(note, document, placed, existing.get(note.link), pending)
            except ValidationError as exc:
                report.problems.append((note.link, str(exc)))
                continue
            report.placed[placed.state if placed else "page"] += 1
            report.written[outcome] += 1
            _flush_in_batches(pending)
    db.session.flush()
    if replies:
        _import_replies(replies, notes, report, only_new)
    if report.refused and not partial:
        savepoint.rollback()
        raise HypothesisImportError(report)
    savepoint.commit()
    return report


def _import_replies(replies, notes, report, only_new):
    """Put each reply under the note or comment it answers, parents before their answers."""
    links = {note.id: note.link for note in (*notes, *replies)}

    def parent_link(reply):
        return links.get(reply.reply_to) or f"https://hypothes.is/a/{reply.reply_to}"

    replies = sorted(replies, key=lambda reply: len(reply.references))  # a thread's order
    known = _by_via([*(reply.link for reply in replies), *map(parent_link, replies)])
    with db.session.no_autoflush:
        for reply in replies:
            parent, existing = known.get(parent_link(reply)), known.get(reply.link)
            if existing is not None and only_new:
                report.comments["kept"] += 1
                continue
            try:
                if existing is not None:
                    if existing.kind != REPLY:
                        raise ValidationError({"reply": f"it was imported as a note "
                                                        f"(annotation {existing.id})"})
                    changed = edit_reply(existing, reply.text, modified=reply.updated,
                                         by_import=True)
                    report.comments["updated" if changed else "unchanged"] += 1
                    continue
                if parent is None:
                    report.replies.append((reply.link, "the annotation it answers "
                                           f"({parent_link(reply)}) is not here"))
                    continue
                known[reply.link] = add_reply(
                    parent, reply.text, creator_name=reply.author[:200],
                    via=reply.link[:2000], created=reply.created,
                    modified=reply.updated or reply.created)
            except ValidationError as exc:
                report.problems.append((reply.link, str(exc)))
                continue
            report.comments["created"] += 1


def _label(index, item):
    """Name a raw annotation in a report: its Hypothesis link, else its index."""
    if isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"]:
        return f"https://hypothes.is/a/{item['id']}"
    return f"annotation {index}"


def _place(note, normal):
    """Return the Placement of a note's quote, None for a page note, False if not found."""
    if note.exact is None:
        return None
    return place_quote(normal, note.exact, note.prefix, note.suffix, note.hint) or False


def _write(note, document, placed, existing, pending):
    """Create or update the note for one Hypothesis annotation; return what happened."""
    data = {"kind": "note", "body": note.text, "tags": list(note.tags),
            "status": "published" if note.public else "draft",
            "start": placed.start if placed else None, "end": placed.end if placed else None,
            "exact": document.text[placed.start:placed.end] if placed else None}
    if existing is not None:
        if existing.document_id != document.id:
            raise ValidationError({"document": f"it was imported onto another document "
                                               f"(annotation {existing.id})"})
        changed = update_annotation(existing, data, modified=note.updated, require=False)
        return "updated" if changed else "unchanged"
    annotation = create_annotation(
        document, data, creator_name=note.author[:200], via=note.link[:2000],
        created=note.created, modified=note.updated or note.created, flush=False,
        require=False)
    if placed and placed.state == "changed":
        annotation.anchor_state, annotation.anchor_score = "fuzzy", placed.score
    pending.append(annotation)
    return "created"


def _flush_in_batches(pending):
    """Flush every FLUSH_EVERY new notes and forget them, so memory stays flat."""
    if len(pending) >= FLUSH_EVERY:
        db.session.flush()
        for annotation in pending:
            for revision in annotation.revisions:
                db.session.expunge(revision)
            db.session.expunge(annotation)
        pending.clear()


def _by_via(links):
    """Return ``{via: annotation}`` for the links already imported (one query per chunk)."""
    links = list(dict.fromkeys(links))
    found = {}
    for i in range(0, len(links), CHUNK):
        for annotation in db.session.scalars(select(Annotation).where(
                Annotation.via.in_(links[i:i + CHUNK]))):
            found[annotation.via] = annotation
    return found


def url_key(url):
    """Return a URL as compared with a document's source URL: no scheme, fragment,
    ``www.`` or trailing slash; the host in lower case."""
    parts = urlsplit((url or "").strip())
    host = parts.netloc.lower().removeprefix("www.")
    path = parts.path.rstrip("/")
    return f"{host}{path}" + (f"?{parts.query}" if parts.query else "") if host else ""


class _Documents:
    """The documents an import places notes on, each read once; texts normalised once."""

    def __init__(self, slug):
        self.slug = slug
        self.fixed = None
        self.by_url = {}
        if slug is not None:
            self.fixed = db.session.scalars(select(Document).filter_by(slug=slug)).first()
            if self.fixed is None:
                raise ValidationError({"doc": f"there is no document {slug!r}"})
        else:
            for doc_id, url in db.session.execute(
                    select(Document.id, Document.source_url).where(Document.source_url != "")):
                self.by_url.setdefault(url_key(url), doc_id)
        self.loaded = {}
        self.normals = {}

    def find(self, uri):
        """Return the document for a Hypothesis ``uri``, or None."""
        if self.fixed is not None:
            return self.fixed
        doc_id = self.by_url.get(url_key(uri))
        if doc_id is None:
            return None
        if doc_id not in self.loaded:
            self.loaded[doc_id] = db.session.get(Document, doc_id)
        return self.loaded[doc_id]

    def missing(self, uri, title=""):
        """Say why no document was found for ``uri`` (a page titled ``title``)."""
        titled = f" (\"{title[:80]}\")" if title else ""
        return (f"no document has the address {uri[:200] or '(none)'}{titled}: give its "
                "source URL to a document, or name one with --doc")

    def normal(self, document):
        if document.id not in self.normals:
            self.normals[document.id] = NormalText(document.text)
        return self.normals[document.id]
