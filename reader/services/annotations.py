"""Annotations: validate, create, edit, publish, delete, restore, and keep every revision."""

from itertools import chain

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from ..config import (
    KIND_LABELS, KINDS, RELATION_LABELS, RELATIONS, STATUSES, VERDICT_LABELS, VERDICTS,
)
from ..extensions import db
from ..fields import strip_invisible
from ..models import Annotation, AnnotationRevision, utcnow
from ..text.canonical import TextError, check_span, quote_selector
from . import NotAllowedError, StaleVersionError, ValidationError
from .corrections import WITHDRAWAL, mark_revision, published_fields, withdrawal_reason
from .sources import find_or_create_source, live_source, restore_source

MAX_BODY = 10_000
MAX_TAGS = 20
MAX_TAG_LENGTH = 40
# fields a revision snapshot keeps and an editor can change
EDITABLE = ("kind", "body", "tags", "status", "start", "end", "exact", "source_id",
            "relation", "verdict")
# what people read in the editor's form, for each field's choices
CHOICE_LABELS = {"kind": KIND_LABELS, "verdict": VERDICT_LABELS, "relation": RELATION_LABELS}
_KEEP = object()  # update_annotation: leave ``extra`` as it is
# what readers read: a change to any of these is a change of the note's words
CONTENT = tuple(field for field in EDITABLE if field != "status")


def clean_tags(value, errors):
    """Return tags from a list or a comma-separated string: trimmed, de-duplicated, checked."""
    if value is None:
        return []
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, (list, tuple)) or not all(isinstance(t, str) for t in value):
        errors["tags"] = "tags must be a list of words"
        return []
    if len(value) > 5 * MAX_TAGS:  # blanks and repeats aside, far too many: read none
        errors["tags"] = f"at most {MAX_TAGS} tags"
        return []
    tags, seen = [], set()
    for raw in value:
        tag = " ".join(strip_invisible(raw).split())
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        errors["tags"] = f"at most {MAX_TAGS} tags"
    elif any(len(tag) > MAX_TAG_LENGTH for tag in tags):
        errors["tags"] = f"a tag has at most {MAX_TAG_LENGTH} characters"
    return tags


def _check_choice(data, field, choices, errors, required):
    """Return ``data[field]`` if it is one of ``choices`` (or empty when allowed).

    A missing choice is asked for by the labels the form shows; an unknown value
    (only a script sends one) is answered with the values to send, each with its label.
    """
    value = data.get(field) or None
    labels = CHOICE_LABELS.get(field, {})
    if value is None:
        if required:
            errors[field] = f"choose one of: {', '.join(labels.get(c, c) for c in choices)}"
    elif value not in choices:
        named = ", ".join(f"{c} ({labels[c]})" if c in labels else c for c in choices)
        errors[field] = f"unknown {field} {str(value)[:40]!r}; choose one of: {named}"
    return value


def _check_target(text, data, errors):
    """Return ``(start, end, exact)``: a checked span, or all None for the whole document."""
    start, end, exact = data.get("start"), data.get("end"), data.get("exact")
    if start is None and end is None:
        if exact:
            errors["span"] = "a quote needs its start and end"
        return None, None, None
    try:
        check_span(text, start, end, exact)
    except TextError as exc:
        errors["span"] = str(exc)
        return None, None, None
    return start, end, text[start:end]


def validate_annotation(document, data, user=None, require=True):
    """Return the cleaned fields of an annotation on ``document`` or raise ValidationError.

    ``data`` holds kind, body, tags, status, start/end (code points) with exact, and
    for context notes a ``source_id`` or a new ``source`` dict plus a relation, for
    fact checks a verdict. Every rule of every entry point lives here. A new source
    is created (or an identical one reused) on behalf of ``user``.
    With ``require`` False (an annotation from elsewhere: any conformant W3C annotation
    may come in) a note may have no text and a fact check no verdict yet.
    """
    errors = {}
    kind = _check_choice(data, "kind", KINDS, errors, required=True)
    status = data.get("status") or "draft"
    if status not in STATUSES:
        errors["status"] = (f"unknown status {str(status)[:40]!r}; "
                            f"choose one of: {', '.join(STATUSES)}")
    body = data.get("body") or ""
    if not isinstance(body, str):
        errors["body"] = "the note must be text"
        body = ""
    elif len(body) > MAX_BODY:
        errors["body"] = f"at most {MAX_BODY:,} characters (this one has {len(body):,})"
    elif "\x00" in body:
        errors["body"] = "the note cannot contain a NUL character"
    tags = clean_tags(data.get("tags"), errors)
    start, end, exact = _check_target(document.text, data, errors)
    clean = {"kind": kind, "status": status, "body": body, "tags": tags,
             "start": start, "end": end, "exact": exact or "",
             "source_id": None, "relation": None, "verdict": None}
    if kind == "context":
        clean["source_id"] = _check_source(data, errors, user)
        clean["relation"] = _check_choice(
            data, "relation", RELATIONS, errors, required=clean["source_id"] is not None
        )
        if clean["relation"] and clean["source_id"] is None and not errors.get("source"):
            errors["source"] = "pick or create the source the words relate to"
    elif kind == "factcheck":
        clean["verdict"] = _check_choice(data, "verdict", VERDICTS, errors, required=require)
    if require and kind and not body.strip() and kind != "context":
        errors["body"] = "write the note" if kind == "note" else "give the evidence"
    if errors:
        raise ValidationError(errors)
    return clean


def _check_source(data, errors, user=None):
    """Return the id of the existing or newly created source named in ``data``, or None.

    An id of a merged source names the source it was merged into; a deleted one is refused.
    """
    if data.get("source"):
        if not isinstance(data["source"], dict):
            errors["source"] = "a new source must be an object with its fields"
            return None
        try:
            return find_or_create_source(data["source"], user).id
        except ValidationError as exc:
            errors.update(exc.errors)
            return None
    source_id = parse_source_id(data.get("source_id"), errors)
    if source_id is None:
        return None
    source = live_source(source_id)
    if source is None:
        errors["source"] = f"there is no source {source_id} (it may have been deleted)"
        return None
    return source.id


def parse_source_id(value, errors, field="source"):
    """Return ``value`` as a source id (None when empty); record an error for anything else."""
    if value in (None, ""):
        return None
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        errors[field] = f"“{str(value)[:40]}” is not a source id"
        return None
    return value


def _apply(annotation, clean, text):
    """Copy cleaned fields onto ``annotation``; return the names of those that changed."""
    changed = [field for field in EDITABLE if getattr(annotation, field) != clean[field]]
    for field in EDITABLE:
        setattr(annotation, field, clean[field])
    if clean["start"] is not None:
        _, annotation.prefix, annotation.suffix = quote_selector(text, clean["start"], clean["end"])
        annotation.orphan = False
    elif not annotation.orphan:
        annotation.prefix = annotation.suffix = ""
    return changed


def snapshot(annotation):
    """Return the revision snapshot of ``annotation``: every editable field, as JSON values."""
    return {field: getattr(annotation, field) for field in EDITABLE}


def note_author(annotation, user):
    """Count ``user`` among the editors who changed ``annotation``'s words since its approval."""
    if user is not None and user.id not in (annotation.change_authors or []):
        annotation.change_authors = [*(annotation.change_authors or []), user.id]


def record_revision(annotation, action, changed, user, *, shown=None, comment=None, at=None):
    """Keep a revision of ``annotation`` as it is now (or, given ``shown``, those fields).

    ``comment`` is a reviewer's request or an override's reason; ``at`` the time, by
    default the annotation's modified time.
    """
    if action != "created":
        based_on = annotation.version
        try:
            db.session.flush()  # the version counter is bumped on flush (a new note starts at 1)
        except StaleDataError:
            # another request saved between our version check and this write
            raise StaleVersionError(based_on + 1, based_on) from None
    annotation.revisions.append(AnnotationRevision(
        version=annotation.version or 1, action=action, changed=list(changed),
        snapshot=shown if shown is not None else snapshot(annotation), comment=comment,
        user_id=user.id if user else None, created_at=at or annotation.modified_at,
    ))


def record_reanchoring(annotation, old_exact, old_span, revision, user=None):
    """Keep a history entry for a note a text revision moved onto changed words or orphaned.

    The annotation must be flushed already (its version is the new one); the entry's
    snapshot carries ``anchor``: the words before and after, the state, the score and
    the document's revision number. Added directly, so re-anchoring thousands of notes
    loads no note's history.
    """
    details = {"from": old_exact, "to": None if annotation.orphan else annotation.exact,
               "state": annotation.anchor_state, "score": annotation.anchor_score,
               "revision": revision}
    changed = [field for field, old in zip(("start", "end"), old_span)
               if getattr(annotation, field) != old]
    if details["to"] != old_exact:
        changed.append("exact")
    db.session.add(AnnotationRevision(
        annotation_id=annotation.id, version=annotation.version, action="re-anchored",
        changed=changed, snapshot={**snapshot(annotation), "anchor": details},
        user_id=user.id if user else None, created_at=utcnow(),
    ))


def confirm_anchor(annotation, user=None, *, based_on=None):
    """Clear the check flag of a note re-anchored onto changed words; return True if it was set.

    An orphan has no words to confirm: ValidationError (re-attach or delete it).
    """
    check_version(annotation, based_on)
    if not annotation.needs_check:
        return False
    if annotation.orphan:
        raise ValidationError({"span": "an orphaned note has no words to confirm: re-attach it "
                                       "to words in the text, or delete it"})
    annotation.needs_check = False
    record_revision(annotation, "confirmed", ["needs_check"], user, at=utcnow())
    return True


def check_may_change(annotation, user):
    """Raise NotAllowedError unless ``user`` may edit, publish, unpublish, delete or restore it.

    Drafts are the desk's shared work: any editor may change them. A published note
    (deleted or not) is changed only by its own author or by an admin. ``user`` None
    is the command line, which may do anything.
    """
    if user is None or user.is_admin or annotation.status != "published":
        return
    if annotation.creator_id is None or annotation.creator_id != user.id:
        raise NotAllowedError("only its author or an admin may change a published note")


def create_annotation(document, data, user=None, *, creator_name="", via=None,
                      annotation_id=None, created=None, modified=None, flush=True,
                      extra=None, require=True):
    """Validate ``data`` and add a new annotation on ``document``; return it (with its id,
    unless ``flush`` is False: a bulk import flushes in batches).

    ``extra`` holds what an imported annotation says beyond our fields
    (interchange/foreign.py); ``require`` is as for ``validate_annotation``.
    """
    clean = validate_annotation(document, data, user, require)
    annotation = Annotation(document=document, creator=user, via=via, extra=extra,
                            creator_name=creator_name or (user.public_name if user else ""))
    if annotation_id is not None:
        annotation.id = annotation_id
    _apply(annotation, clean, document.text)
    note_author(annotation, user)
    annotation.created_at = created or utcnow()
    annotation.modified_at = modified or annotation.created_at
    db.session.add(annotation)
    record_revision(annotation, "created", [], user)
    if flush:
        db.session.flush()
    return annotation


def update_annotation(annotation, data, user=None, *, based_on=None, modified=None,
                      extra=_KEEP, require=True):
    """Apply a full edit to ``annotation`` if ``based_on`` is its current version.

    Fields missing from ``data`` keep their values. Returns the names of the changed
    fields (nothing is written when none changed). Raises StaleVersionError or
    ValidationError. A change of status alone never asks for what the note lacked
    before (an imported fact check with no verdict yet can be published); ``extra``,
    when given, replaces what was kept of an imported annotation.
    """
    check_version(annotation, based_on)
    clean = clean_edit(annotation, data, user=user, require=require)
    before = annotation.status
    changed = _apply(annotation, clean, annotation.document.text)
    if annotation.needs_check and clean["start"] is not None and \
            {"start", "end", "exact"} & set(changed):
        annotation.needs_check = False  # re-attached: an editor chose the words
    if extra is not _KEEP and extra != annotation.extra:
        annotation.extra = extra
        changed.append("extra")
    if changed:
        if any(field in CONTENT for field in changed):
            note_author(annotation, user)
        annotation.modified_at = modified or utcnow()
        action = action_for(changed, before, clean["status"])
        record_revision(annotation, action, changed, user)
    return changed


def clean_edit(annotation, data, current=None, user=None, require=True):
    """Return the checked fields of ``annotation`` once ``data`` is laid over ``current``.

    ``current`` defaults to its stored fields (a pending change passes its own).
    A change of status alone never asks for what the note lacked before (an imported
    fact check with no verdict yet can be published); otherwise ``require`` is as for
    ``validate_annotation``. Raises ValidationError.
    """
    require = require and set(data) != {"status"}
    merged = dict(current or snapshot(annotation))
    merged.update(data)
    if merged.get("start") is None and "start" not in data:
        merged["exact"] = None
    clean = validate_annotation(annotation.document, merged, user, require)
    if annotation.orphan and clean["start"] is None:
        clean["exact"] = annotation.exact  # an orphan keeps its last quote
    return clean


def apply_fields(annotation, clean):
    """Copy checked fields onto ``annotation`` (span selectors too); return the changed names."""
    return _apply(annotation, clean, annotation.document.text)


def action_for(changed, before, status):
    """Name a save for the history: published, submitted, unpublished, withdrawn or edited."""
    if changed == ["status"]:
        if status == "published":
            return "published"
        if status == "review":
            return "submitted"
        return "unpublished" if before == "published" else "withdrawn"
    return "edited"


def check_version(annotation, based_on):
    """Raise StaleVersionError unless ``based_on`` is None or the current version."""
    if based_on is not None and int(based_on) != annotation.version:
        raise StaleVersionError(annotation.version, int(based_on))


def set_status(annotation, status, user=None, *, based_on=None):
    """Publish or unpublish ``annotation``; return True if the status changed."""
    return bool(update_annotation(annotation, {"status": status}, user, based_on=based_on))


def delete_annotation(annotation, user=None, *, based_on=None, reason=None):
    """Soft-delete ``annotation``: gone for readers, listed for editors, restorable.

    Deleting a published note withdraws it: readers see a "withdrawn" entry with
    ``reason``, which an editor must give (ValidationError without).
    """
    check_version(annotation, based_on)
    if annotation.deleted_at is None:
        why = None if annotation.is_reply else withdrawal_reason(annotation, reason, user)
        earlier = published_fields(annotation) if why is not None else None
        annotation.deleted_at = annotation.modified_at = utcnow()
        record_revision(annotation, "deleted", ["deleted"], user)
        if why is not None:
            mark_revision(annotation, WITHDRAWAL, why, earlier)


def restore_annotation(annotation, user=None):
    """Undo a soft delete; a deleted source it cites comes back with it."""
    if annotation.deleted_at is not None:
        annotation.deleted_at = None
        annotation.modified_at = utcnow()
        record_revision(annotation, "restored", ["deleted"], user)
        source = annotation.source
        if source is not None and source.deleted_at is not None and source.merged_into_id is None:
            restore_source(source, user)


@event.listens_for(Session, "before_flush")
def _stamp_withdrawals(session, flush_context, instances):
    """Set ``Document.withdrawn_at`` when a note readers could see leaves their view.

    Readers' Last-Modified is the latest change among what they see; a note that was
    unpublished or deleted no longer counts there, so its document keeps the moment.
    Done at flush, for every writer of annotations through the ORM.
    """
    now = None
    for obj in chain(session.dirty, session.deleted):
        if not isinstance(obj, Annotation) or not _was_visible(obj):
            continue
        if obj in session.deleted or not obj.visible:
            now = now or utcnow()
            with session.no_autoflush:
                obj.document.withdrawn_at = now


def _was_visible(annotation):
    """True if ``annotation`` was published and not deleted before this flush's changes."""
    state = inspect(annotation)
    status = state.attrs.status.history
    deleted_at = state.attrs.deleted_at.history
    old_status = status.deleted[0] if status.deleted else annotation.status
    old_deleted = deleted_at.deleted[0] if deleted_at.deleted else annotation.deleted_at
    return old_status == "published" and old_deleted is None


def visible_annotations(document, include_drafts=False):
    """Return ``document``'s annotations a reader (or, with drafts, an editor) may see."""
    query = select(Annotation).where(
        Annotation.document_id == document.id, Annotation.deleted_at.is_(None),
        Annotation.reply_to_id.is_(None),
    )
    if not include_drafts:
        query = query.where(Annotation.status == "published")
    query = query.options(selectinload(Annotation.source), selectinload(Annotation.creator))
    return db.session.scalars(query.order_by(Annotation.start.nulls_first(), Annotation.id)).all()
