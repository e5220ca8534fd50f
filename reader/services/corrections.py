"""Corrections in the open: mark a published change, record withdrawals, list them.

A change in substance to a published note may be marked a *correction* or a
*clarification* with a one-line reason (a typo fix is marked neither); a published
note taken away from readers (unpublished, deleted) is a *withdrawal*, with its reason.
The mark is kept on the revision that made the change public, with ``earlier``: the
published fields before it. For a kind under review the mark waits with the pending
change (``Annotation.pending_correction``) and goes on the approval's revision, dated
by it. Only the annotation's columns of a published note are ever copied into
``earlier``: they are what readers saw, never a draft or a pending change.
"""

from sqlalchemy import select, tuple_
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..correction_text import HEADINGS, LABELS, summary
from ..models import Annotation, AnnotationRevision, Source
from ..sanitize import render_markdown
from . import ServiceError, ValidationError

KINDS = ("correction", "clarification")
WITHDRAWAL = "withdrawal"
PUBLIC = (*KINDS, WITHDRAWAL)
MAX_REASON = 300
# the entries a page found by its number alone may skip (pages 1 to 34 of /corrections)
MAX_SKIPPED = 1_000
# the fields of a note readers read (services.annotations.CONTENT)
FIELDS = ("kind", "body", "tags", "start", "end", "exact", "source_id", "relation", "verdict")


def clean_mark(kind, reason):
    """Return ``{"kind", "reason"}`` for a change marked a correction or clarification,
    or None when it is marked neither. Raises ValidationError (``correction``, ``reason``)."""
    kind = kind or None
    if kind is None:
        return None
    if kind not in KINDS:
        raise ValidationError({"correction": f"mark the change as one of: {', '.join(KINDS)} "
                                             f"(or neither, for a typo fix)"})
    return {"kind": kind, "reason": clean_reason(reason, f"say in one line why this is a {kind}")}


def clean_reason(reason, message):
    """Return ``reason`` on one line, trimmed; ValidationError (``reason``) when empty or long."""
    if reason is not None and not isinstance(reason, str):
        raise ValidationError({"reason": "the reason must be text"})
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": message})
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": f"one line: at most {MAX_REASON} characters "
                                         f"(this one has {len(reason)})"})
    if "\x00" in reason:
        raise ValidationError({"reason": "the reason cannot contain a NUL character"})
    return reason


def published_fields(annotation):
    """Return what readers see of ``annotation`` now (it must be published): the fields
    and the cited source's title."""
    fields = {field: getattr(annotation, field) for field in FIELDS}
    source = annotation.source if annotation.source_id else None
    fields["source_title"] = source.title if source is not None else None
    return fields


def content_changed(before, annotation):
    """True if any field readers read differs between ``before`` and ``annotation`` now."""
    return any(before.get(field) != getattr(annotation, field) for field in FIELDS)


def mark_revision(annotation, kind, reason, earlier):
    """Mark ``annotation``'s latest revision (just recorded) as public ``kind`` with ``reason``."""
    revision = annotation.revisions[-1]
    revision.correction, revision.reason, revision.earlier = kind, reason or "", earlier
    return revision


def withdrawal_reason(annotation, reason, user):
    """Return the checked reason for taking ``annotation`` away from readers, or None when it
    is not visible. An editor must give one; the command line (``user`` None) need not."""
    if not annotation.visible:
        return None
    if user is None and not reason:
        return ""
    return clean_reason(reason, "say why readers lose this note: they see the reason on "
                                "the corrections page")


# --- what readers read -----------------------------------------------------------------

class PageTooDeepError(ServiceError):
    """A page asked for by its number alone lies past what a number finds (MAX_SKIPPED)."""

    def __init__(self, number, deepest, gone):
        self.number, self.deepest, self.gone = number, deepest, gone
        super().__init__(f"page {number} is past page {deepest}, the deepest found by number")


def _public_entries():
    """Every public entry: a marked revision (what the partial index holds) of a note, never
    of an editors' comment. The comment check is a correlated NOT EXISTS, so the database
    walks the index newest first and stops at the page's end instead of sorting every entry."""
    reply = (select(Annotation.id)
             .where(Annotation.id == AnnotationRevision.annotation_id,
                    Annotation.reply_to_id.is_not(None)))
    return (select(AnnotationRevision)
            .where(AnnotationRevision.correction.is_not(None), ~reply.exists()))


def corrections_page(number, size, before=None, after=None):
    """Return ``(entries, older, newer)``: a page of public entries, newest first, ``size``
    at most, and whether older and newer entries lie beyond it.

    ``before`` (the entries just older than this entry, by its revision id) and ``after``
    (just newer) seek from an entry along the index, so a page deep in the list costs
    what the first does; the pages' links carry them. Without them, or when that entry
    is gone, page ``number`` (from 1) is found by skipping the pages before it, as long
    as that skips at most MAX_SKIPPED entries; a deeper one raises PageTooDeepError
    rather than read every entry before it (the entries are ordered by when they were
    marked, and an imported corpus can bring thousands at one time, so no kept count
    by time would find page N either). Each entry's note, document and cited sources
    come in three more statements.
    """
    R = AnnotationRevision
    query = _public_entries().options(
        selectinload(R.annotation).selectinload(Annotation.document))
    newest_first = (R.created_at.desc(), R.id.desc())
    anchor = None
    if before or after:
        anchor = db.session.execute(select(R.created_at, R.id).where(
            R.id == (before or after), R.correction.is_not(None))).first()
    if anchor is None:
        if (number - 1) * size > MAX_SKIPPED:
            raise PageTooDeepError(number, MAX_SKIPPED // size + 1, gone=bool(before or after))
        rows = db.session.scalars(query.order_by(*newest_first)
                                  .offset((number - 1) * size).limit(size + 1)).all()
        entries, older, newer = rows[:size], len(rows) > size, number > 1
    elif before:
        rows = db.session.scalars(query.where(tuple_(R.created_at, R.id) < tuple(anchor))
                                  .order_by(*newest_first).limit(size + 1)).all()
        entries, older, newer = rows[:size], len(rows) > size, True
    else:  # read upwards from the entry, then shown newest first
        rows = db.session.scalars(query.where(tuple_(R.created_at, R.id) > tuple(anchor))
                                  .order_by(R.created_at, R.id).limit(size + 1)).all()
        entries, older, newer = rows[:size][::-1], True, len(rows) > size
    ids = {r.snapshot.get("source_id") for r in entries if r.snapshot.get("source_id")}
    titles = dict(db.session.execute(select(Source.id, Source.title).where(Source.id.in_(ids)))
                  .all()) if ids else {}
    return [_entry(r, titles) for r in entries], older, newer


def note_corrections(document):
    """Return ``{annotation id: [entry, ...]}``: the corrections and clarifications of
    ``document``'s notes, newest first (one statement)."""
    rows = db.session.scalars(
        select(AnnotationRevision)
        .join(Annotation, Annotation.id == AnnotationRevision.annotation_id)
        .where(Annotation.document_id == document.id, AnnotationRevision.correction.in_(KINDS))
        .order_by(AnnotationRevision.created_at.desc(), AnnotationRevision.id.desc())
    ).all()
    found = {}
    for revision in rows:
        entry = _entry(revision, {})
        # rendered by the sanitiser here, whatever wrote the row (an imported corpus too):
        # linear in the earlier body, which is bounded, and only for corrected notes
        entry["earlier_html"] = render_markdown(entry["earlier"].get("body") or "")
        found.setdefault(revision.annotation_id, []).append(entry)
    return found


def _entry(revision, titles):
    """One public entry as templates take it (no lazy load: titles come with it)."""
    earlier = revision.earlier or {}
    # a withdrawal's snapshot is the note as it left readers (maybe with a pending change
    # made its draft): only what readers saw before it is shown
    after = {} if revision.correction == WITHDRAWAL else dict(revision.snapshot or {})
    if after.get("source_id") == earlier.get("source_id"):
        after["source_title"] = earlier.get("source_title")
    else:
        after["source_title"] = titles.get(after.get("source_id"))
    return {"revision": revision, "kind": revision.correction, "reason": revision.reason or "",
            "at": revision.created_at, "heading": HEADINGS[revision.correction],
            "label": LABELS[revision.correction],
            "summary": summary(revision.correction, earlier, after), "earlier": earlier,
            "quote": earlier.get("exact") or ""}


def latest_entry_time():
    """Return when the newest public entry was made, or None."""
    return db.session.scalar(select(AnnotationRevision.created_at)
                             .where(AnnotationRevision.correction.is_not(None))
                             .order_by(AnnotationRevision.created_at.desc(),
                                       AnnotationRevision.id.desc()).limit(1))

