"""Review before publishing: submit, approve, request changes, override; pending changes.

The kinds in the READER_REVIEW_KINDS setting reach readers only once an editor other
than the authors of the change approved it. A note's columns always hold what readers
see once it is published; an unapproved change to a published note waits in
``pending`` (only the fields that differ), with its own ``pending_status`` (draft or
review), until it is approved. ``change_authors`` lists who changed the words since
the last approval: none of them may approve. Callers commit.
"""

from types import SimpleNamespace

from flask import current_app
from sqlalchemy import cast, func, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Annotation, Source, utcnow
from ..text.canonical import locate_quote, quote_selector
from . import (
    NotAllowedError, NotAwaitingReviewError, OwnChangeError, ReviewRequiredError,
    ValidationError,
)
from .annotations import (
    CONTENT, action_for, apply_fields, check_version, clean_edit, create_annotation,
    note_author, record_revision, snapshot, update_annotation,
)
from .corrections import (
    WITHDRAWAL, clean_mark, content_changed, mark_revision, published_fields, withdrawal_reason,
)

MAX_COMMENT = 10_000
SPAN = ("start", "end", "exact")


def review_kinds():
    """Return the kinds that need another editor's approval (the READER_REVIEW_KINDS setting)."""
    return current_app.config["REVIEW_KINDS"]


def needs_review(*kinds):
    """True if any of ``kinds`` is reviewed before readers see it."""
    reviewed = review_kinds()
    return any(kind in reviewed for kind in kinds)


def working_fields(annotation):
    """Return the fields editors work on: the stored ones with any pending change laid over.

    A pending span whose words moved since (a revised text) is found again by its quote.
    """
    fields = snapshot(annotation)
    if annotation.pending:
        fields.update(annotation.pending)
        fields["status"] = annotation.pending_status
        fields.update(_relocated(annotation.document.text, fields))
    return fields


def pending_view(annotation):
    """Return a stand-in for ``annotation`` showing its pending change (editors only).

    It has the model's attributes (and ``source``, ``creator``, ``document``), so the
    note template and ``w3c.annotation_to_jsonld`` take it as they take a note.
    """
    view = SimpleNamespace(**{column.key: getattr(annotation, column.key)
                              for column in Annotation.__table__.columns})
    fields = working_fields(annotation)
    vars(view).update(fields)
    view.status = annotation.pending_status
    if fields["start"] is not None:
        _, view.prefix, view.suffix = quote_selector(annotation.document.text, fields["start"],
                                                     fields["end"])
        view.orphan = False
    view.source = db.session.get(Source, fields["source_id"]) if fields["source_id"] else None
    view.creator, view.document = annotation.creator, annotation.document
    view.is_whole_document = fields["start"] is None and not view.orphan
    return view


def review_state(annotation):
    """Return where the working version stands: draft, review or published."""
    return annotation.pending_status if annotation.pending else annotation.status


def authors_of_change(annotation):
    """Return the ids of the editors who changed the words since the last approval."""
    return set(annotation.change_authors or [])


def may_approve(annotation, user):
    """True if ``user`` may approve or send back the change awaiting review."""
    return user is not None and user.id not in authors_of_change(annotation)


def _relocated(text, fields):
    """Return the span of ``fields`` placed on ``text`` again, by its quote if it moved."""
    start, end, exact = fields.get("start"), fields.get("end"), fields.get("exact")
    if start is None or text[start:end] == exact:
        return {}
    found = locate_quote(text, exact or "", hint=start) if exact else None
    if found is None:
        return {"start": None, "end": None}  # validation then asks for the words again
    return {"start": found[0], "end": found[1]}


# --- writing notes -------------------------------------------------------------------

def create_note(document, data, user, **options):
    """Create a note as an editor: a reviewed kind cannot start published.

    ``options`` go to ``create_annotation``. Raises ReviewRequiredError or ValidationError.
    """
    if data.get("status") == "published" and needs_review(data.get("kind")):
        raise ReviewRequiredError(data.get("kind"))
    return create_annotation(document, data, user, **options)


def edit_note(annotation, data, user, *, based_on=None, correction=None, reason=None,
              **options):
    """Apply an editor's edit; return the names of the fields that changed.

    A published note of a reviewed kind (before or after the edit) keeps what
    readers see: the change is stored as pending, a draft or awaiting review as
    ``data["status"]`` says (what an imported note kept beyond our fields stays as
    it is until the change is approved). Unpublishing (status draft, words
    unchanged) is direct. Publishing a reviewed kind raises ReviewRequiredError.
    ``correction`` ("correction", "clarification" or None) marks a change to a
    published note, with its one-line ``reason`` (services/corrections.py): public at
    once, or with the approval of a pending change. Taking a published note away
    from readers needs a ``reason``. ``options`` (``extra``, ``require``) go to
    ``update_annotation``.
    """
    check_version(annotation, based_on)
    kind = data.get("kind") or annotation.kind
    mark = clean_mark(correction, reason)
    if mark is not None and not annotation.visible:
        raise ValidationError({"correction": "only a change to a published note is a correction "
                                             "or a clarification"})
    if annotation.status == "published" and needs_review(annotation.kind, kind):
        return _edit_published(annotation, data, user, options.get("require", True), mark,
                               reason)
    if data.get("status") == "published" and annotation.status != "published" \
            and needs_review(kind):
        raise ReviewRequiredError(kind)
    status = (data["status"] if "status" in data else annotation.status) or "draft"
    before = published_fields(annotation) if annotation.visible else None
    why = withdrawal_reason(annotation, reason, user) if status != "published" else None
    changed = update_annotation(annotation, data, user, **options)
    if "status" in changed:
        annotation.changes_requested_at = None
    if why is not None and "status" in changed:
        mark_revision(annotation, WITHDRAWAL, why, before)
    elif mark is not None:
        if not content_changed(before, annotation):
            raise ValidationError({"correction": "nothing readers read changed: a correction or "
                                                 "a clarification changes the note"})
        mark_revision(annotation, mark["kind"], mark["reason"], before)
    return changed


def _edit_published(annotation, data, user, require=True, mark=None, reason=None):
    """Store an edit of a published, reviewed note as its pending change (with its ``mark``)."""
    working = working_fields(annotation)
    clean = clean_edit(annotation, data, current=working, user=user, require=require)
    status = clean["status"]
    differs = [field for field in CONTENT if clean[field] != working[field]]
    if not differs:
        if annotation.pending is None:
            if mark is not None:
                raise ValidationError({"correction": "nothing readers read changed: a correction "
                                                     "or a clarification changes the note"})
            if status == "draft":  # unpublish: readers see nothing, nothing unreviewed
                return unpublish(annotation, user, reason=reason)
            return []
        annotation.pending_correction = mark
        wanted = "draft" if status == "draft" else "review"
        if wanted == annotation.pending_status:
            return []
        annotation.pending_status = wanted
        if wanted == "review":
            annotation.changes_requested_at = None
        _record_pending(annotation, action_for(["status"], "draft", wanted), ["status"], user)
        return ["status"]
    proposed = {field: clean[field] for field in CONTENT
                if clean[field] != getattr(annotation, field)}
    if any(field in proposed for field in SPAN):
        proposed.update({field: clean[field] for field in SPAN})
    if not proposed:  # back to the published words: nothing waits any more
        if mark is not None:
            raise ValidationError({"correction": "nothing readers read changed: a correction or "
                                                 "a clarification changes the note"})
        annotation.pending = annotation.pending_status = annotation.pending_correction = None
        _record_pending(annotation, "change withdrawn", differs, user)
        return differs
    annotation.pending = proposed
    annotation.pending_correction = mark
    annotation.pending_status = "draft" if status == "draft" else "review"
    if annotation.pending_status == "review":
        annotation.changes_requested_at = None
    note_author(annotation, user)
    _record_pending(annotation, "change proposed", differs, user)
    return differs


def _record_pending(annotation, action, changed, user, comment=None):
    """Keep a history entry showing the pending change (readers' modified time stays)."""
    shown = {**working_fields(annotation), "status": review_state(annotation)}
    record_revision(annotation, action, changed, user, shown=shown, comment=comment,
                    at=utcnow())


def keep_pending(annotation, data, status):
    """Store ``data`` as the pending change of a published note, as an import found it.

    ``data`` holds fields as ``interchange.annotation_data`` gives them; ``status`` is
    the change's own (draft, else review). Raises ValidationError.
    """
    clean = clean_edit(annotation, data)
    proposed = {field: clean[field] for field in CONTENT
                if clean[field] != getattr(annotation, field)}
    if any(field in proposed for field in SPAN):
        proposed.update({field: clean[field] for field in SPAN})
    annotation.pending = proposed or None
    annotation.pending_status = ("draft" if status == "draft" else "review") if proposed else None


# --- review steps --------------------------------------------------------------------

def submit(annotation, user, *, based_on=None):
    """Submit the working version for review; return False if it already awaits review.

    Raises NotAwaitingReviewError for a published note with no pending change.
    """
    check_version(annotation, based_on)
    state = review_state(annotation)
    if state == "review":
        return False
    if state == "published":
        raise NotAwaitingReviewError("the note is published and has no change to review")
    annotation.changes_requested_at = None
    if annotation.pending:
        annotation.pending_status = "review"
        _record_pending(annotation, "submitted", ["status"], user)
    else:
        annotation.status = "review"
        annotation.modified_at = utcnow()
        record_revision(annotation, "submitted", ["status"], user)
    return True


def _awaiting(annotation, user):
    """Check that a change awaits review and that ``user`` is not one of its authors."""
    if review_state(annotation) != "review":
        raise NotAwaitingReviewError(
            "nothing awaits review: the note is " + ("published" if review_state(annotation)
                                                     == "published" else "a draft"))
    if not may_approve(annotation, user):
        raise OwnChangeError("you changed this note: another editor reviews it")


def approve(annotation, user, *, based_on=None):
    """Approve the change awaiting review and publish it; return the changed field names.

    Raises NotAwaitingReviewError, OwnChangeError, StaleVersionError, or
    ValidationError when a pending change no longer fits the text.
    """
    check_version(annotation, based_on)
    _awaiting(annotation, user)
    earlier, mark = _published_before(annotation)
    changed = _publish_working(annotation)
    record_revision(annotation, "approved", changed, user)
    _make_public(annotation, earlier, mark)
    return changed


def _published_before(annotation):
    """Return what readers see before an approval and the pending change's mark (or Nones)."""
    if not annotation.visible or not annotation.pending:
        return None, None
    return published_fields(annotation), annotation.pending_correction


def _make_public(annotation, earlier, mark):
    """Mark the approval just recorded as the correction or clarification its change was."""
    if mark and earlier is not None and content_changed(earlier, annotation):
        mark_revision(annotation, mark["kind"], mark["reason"], earlier)


def request_changes(annotation, user, comment, *, based_on=None):
    """Send the change awaiting review back to draft with the reviewer's ``comment``.

    The comment also opens (or continues) the note's discussion. Returns the comment.
    """
    check_version(annotation, based_on)
    comment = _required_text(comment, "comment", "say what should change")
    _awaiting(annotation, user)
    annotation.changes_requested_at = utcnow()
    if annotation.pending:
        annotation.pending_status = "draft"
        _record_pending(annotation, "changes requested", ["status"], user, comment=comment)
    else:
        annotation.status = "draft"
        annotation.modified_at = annotation.changes_requested_at
        record_revision(annotation, "changes requested", ["status"], user, comment=comment)
    from .discussion import add_reply  # a comment is a reply; discussion imports this module
    return add_reply(annotation, comment, user)


def override(annotation, user, reason, *, based_on=None):
    """Publish the working version without an approval: admins only, with a ``reason``.

    Raises NotAllowedError, NotAwaitingReviewError or ValidationError.
    """
    check_version(annotation, based_on)
    if user is None or not user.is_admin:
        raise NotAllowedError("only an admin may publish without review")
    reason = _required_text(reason, "reason", "say why this is published without review")
    if review_state(annotation) == "published":
        raise NotAwaitingReviewError("the note is published and has no change to publish")
    earlier, mark = _published_before(annotation)
    changed = _publish_working(annotation)
    record_revision(annotation, "override", changed, user, comment=reason)
    _make_public(annotation, earlier, mark)
    return changed


def publish(annotation, user, *, based_on=None):
    """Publish a draft directly: only kinds that need no review. Raises ReviewRequiredError."""
    check_version(annotation, based_on)
    if needs_review(annotation.kind):
        raise ReviewRequiredError(annotation.kind)
    return edit_note(annotation, {"status": "published"}, user)


def unpublish(annotation, user, *, based_on=None, reason=None):
    """Take a note away from readers; a pending change becomes its draft.

    Readers see a "withdrawn" entry with ``reason``, which an editor must give.
    """
    check_version(annotation, based_on)
    if annotation.status != "published":
        return []
    why = withdrawal_reason(annotation, reason, user)
    earlier = published_fields(annotation) if why is not None else None
    working = working_fields(annotation)
    if "start" in (annotation.pending or {}) and working["start"] is None:
        working.update({field: getattr(annotation, field) for field in SPAN})  # words lost
    clean = clean_edit(annotation, {"status": "draft"}, current=working)
    annotation.pending = annotation.pending_status = annotation.pending_correction = None
    changed = apply_fields(annotation, clean)
    annotation.modified_at = utcnow()
    record_revision(annotation, "unpublished", changed, user)
    if why is not None:
        mark_revision(annotation, WITHDRAWAL, why, earlier)
    return changed


def _publish_working(annotation):
    """Make the working version what readers see; return the changed field names."""
    if annotation.pending:
        working = working_fields(annotation)
        if "start" in annotation.pending and working["start"] is None and working["exact"]:
            raise ValidationError({"span": "the words this change quotes are no longer in the "
                                           "text: edit the change and select them again"})
        clean = clean_edit(annotation, {"status": "published"}, current=working)
        annotation.pending = annotation.pending_status = annotation.pending_correction = None
        changed = apply_fields(annotation, clean)
        if annotation.needs_check and clean["start"] is not None and \
                {"start", "end", "exact"} & set(changed):
            annotation.needs_check = False  # re-attached: an editor chose the words, another approved
    else:
        annotation.status = "published"
        changed = ["status"]
    annotation.change_authors = []
    annotation.changes_requested_at = None
    annotation.modified_at = utcnow()
    return changed


def _required_text(value, field, message):
    """Return ``value`` stripped, or raise ValidationError when it is empty or too long."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError({field: message})
    if len(value) > MAX_COMMENT:
        raise ValidationError({field: f"at most {MAX_COMMENT:,} characters"})
    return value.strip()


# --- what waits for whom (the editors' desk lists these) -----------------------------
# Each ``*_query`` is a SELECT the desk counts and pages in SQL; the list functions run it.

def _change_author(user):
    """A SQL condition: ``user`` is among the authors of a note's change (``change_authors``)."""
    if db.session.get_bind().dialect.name == "postgresql":
        authors = func.coalesce(cast(Annotation.change_authors, JSONB), cast("[]", JSONB))
        return authors.contains(cast([user.id], JSONB))
    ids = func.json_each(Annotation.change_authors).table_valued("value")
    return select(ids.c.value).where(ids.c.value == user.id).exists()


def _in_review():
    return (Annotation.status == "review") | (Annotation.pending_status == "review")


def _live_notes(*conditions):
    """Notes (never comments) not deleted, matching ``conditions``."""
    return select(Annotation).where(Annotation.deleted_at.is_(None),
                                    Annotation.reply_to_id.is_(None), *conditions)


def _loaded(query, limit):
    return db.session.scalars(query.options(selectinload(Annotation.document),
                                            selectinload(Annotation.creator))
                              .limit(limit)).all()


def awaiting_review_query(user):
    """Notes with a change awaiting review that ``user`` may approve (not their own), oldest first."""
    return (_live_notes(_in_review(), ~_change_author(user))
            .order_by(Annotation.modified_at, Annotation.id))


def submitted_by_query(user):
    """Notes with a change of ``user``'s awaiting someone else's review, oldest first."""
    return _live_notes(_in_review(), _change_author(user)).order_by(Annotation.modified_at,
                                                                    Annotation.id)


def changes_requested_query(user):
    """Notes a reviewer sent back to ``user`` (one of the change's authors), newest first."""
    return (_live_notes(Annotation.changes_requested_at.is_not(None), _change_author(user))
            .order_by(Annotation.changes_requested_at.desc(), Annotation.id.desc()))


def awaiting_review(user, limit=200):
    """The first ``limit`` rows of awaiting_review_query."""
    return _loaded(awaiting_review_query(user), limit)


def submitted_by(user, limit=200):
    """The first ``limit`` rows of submitted_by_query."""
    return _loaded(submitted_by_query(user), limit)


def changes_requested(user, limit=200):
    """The first ``limit`` rows of changes_requested_query."""
    return _loaded(changes_requested_query(user), limit)
