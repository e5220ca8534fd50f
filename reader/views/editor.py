"""Editors' work: annotate from the page (JSON with the CSRF token), history, deleted notes,
document metadata and new documents."""

from datetime import date

from flask import (
    Blueprint, abort, current_app, flash, jsonify, make_response, redirect, render_template,
    request, url_for,
)
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.utils import secure_filename

from ..config import MAX_ID
from ..database import retry_after
from ..extensions import db
from ..text.diffview import side_by_side
from ..forms import DocumentForm, IntakeForm, NewDocumentForm, TextForm
from ..intake import IntakeError, size_words
from ..models import Annotation, AnnotationRevision, Document, Intake, Source
from ..safejson import MAX_DEPTH
from ..sanitize import render_markdown
from ..services import (
    NotAllowedError, NotAwaitingReviewError, OwnChangeError, ReviewRequiredError,
    StaleVersionError, ValidationError,
)
from ..services.annotations import (
    check_may_change, confirm_anchor, delete_annotation, restore_annotation,
)
from ..services.discussion import add_reply
from ..services.review import (
    approve, create_note, edit_note, may_approve, needs_review, override, publish,
    request_changes, review_state, submit, unpublish, working_fields,
)
from ..services.documents import revise_text, update_metadata
from ..services.intake import (
    DuplicateError, confirm, discard, intake_duplicates, pending, receive, receive_text, receive_url,
)
from ..services.related import link_passages
from ..services.reports import record_matches
from ..services.sources import search_sources
from ..text.canonical import TextError, canonicalize
from . import editor_required
from .parts import document_parts

bp = Blueprint("editor", __name__, url_prefix="/editor")

TEXT_FIELD_BYTES = 8 * 1024 * 1024  # 2,000,000 characters of pasted text, as UTF-8 at worst
PREVIEW_PARAGRAPHS = 12  # of a text to confirm
# an archived page: no script, plugin, form or frame, nothing loaded from anywhere
ARCHIVE_POLICY = ("sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                  "font-src 'none'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'")


def _json_error(status, error, detail, fields=None, **extra):
    body = {"error": error, "detail": detail}
    if fields:
        body["fields"] = fields
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    return response


@bp.errorhandler(CSRFError)
def csrf_error(error):
    if request.path.startswith("/editor/api/"):
        return _json_error(400, "Bad Request", "the CSRF token is missing or wrong: reload the page")
    return render_template("errors/error.html", code=400, error=error), 400


@bp.after_request
def _no_store(response):
    """Editors' pages and JSON show drafts and tokens: no cache may keep them."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _api_http_error(error):
    if request.path.startswith("/editor/api/"):
        response = _json_error(error.code, error.name, error.description)
    else:
        response = make_response(render_template("errors/error.html", code=error.code,
                                                 error=error), error.code)
    response.headers.extend(retry_after(error))
    return response


for _code in (400, 401, 403, 404, 405, 409, 415, 422, 503):
    bp.register_error_handler(_code, _api_http_error)


def _payload():
    data = request.get_json(silent=True)  # None for bad JSON, or nested too deeply (safejson)
    if not isinstance(data, dict):
        abort(400, description=f"send a JSON object, not nested too deeply "
                               f"(at most {MAX_DEPTH} levels)")
    return data


def _annotation(annotation_id):
    annotation = db.session.get(Annotation, annotation_id)
    if annotation is None:
        abort(404, description=f"there is no annotation {annotation_id}")
    return annotation


def _fields(annotation):
    """The fields editors work on (a pending change included) as the page's form needs them."""
    fields = working_fields(annotation)
    source = annotation.source
    if fields["source_id"] != annotation.source_id:
        source = db.session.get(Source, fields["source_id"]) if fields["source_id"] else None
    fields.update({
        "id": annotation.id, "version": annotation.version, "orphan": annotation.orphan,
        "deleted": annotation.deleted_at is not None, "document": annotation.document.slug,
        "published": annotation.status == "published", "pending": bool(annotation.pending),
        "review_state": review_state(annotation), "reviewed": needs_review(annotation.kind),
        "may_review": may_approve(annotation, current_user),
        "correction": annotation.pending_correction if annotation.pending else None,
        "source": None if source is None else {
            "id": source.id, "title": source.title, "speaker": source.speaker,
            "venue": source.venue, "url": source.url, "language": source.language,
            "occurred_on": source.occurred_on.isoformat() if source.occurred_on else "",
        },
    })
    return fields


def _saved(annotation, status=200):
    """Respond with the annotation and the re-rendered page parts, so the page updates in place."""
    db.session.commit()
    parts = document_parts(annotation.document, editor=True)
    response = jsonify({"annotation": _fields(annotation), **{k: str(v) if k != "counts" else v
                                                              for k, v in parts.items()}})
    response.status_code = status
    return response


def _with_validation(action):
    """Run ``action``; map a broken rule to 422, a role's limit to 403, a stale version to
    409, a review rule to 409 or 403, writing nothing."""
    try:
        return action()
    except NotAllowedError as exc:
        db.session.rollback()
        return _json_error(403, "Forbidden", str(exc))
    except ValidationError as exc:
        db.session.rollback()
        return _json_error(422, "Unprocessable Entity", str(exc), fields=exc.errors)
    except StaleVersionError as exc:
        db.session.rollback()
        return _stale(exc)
    except ReviewRequiredError as exc:
        db.session.rollback()
        return _json_error(409, "review required", str(exc), kind=exc.kind)
    except NotAwaitingReviewError as exc:
        db.session.rollback()
        return _json_error(409, "not awaiting review", str(exc))
    except (OwnChangeError, NotAllowedError) as exc:
        db.session.rollback()
        return _json_error(403, "Forbidden", str(exc))


def _stale(exc):
    """409 with what changed since the version the editor started from."""
    annotation_id = request.view_args["annotation_id"]
    current = db.session.get(Annotation, annotation_id)
    changes = db.session.scalars(
        select(AnnotationRevision)
        .where(AnnotationRevision.annotation_id == annotation_id,
               AnnotationRevision.version > exc.based_on)
        .options(selectinload(AnnotationRevision.user))
        .order_by(AnnotationRevision.version)
    ).all()
    changed = sorted({field for rev in changes for field in rev.changed})
    who = sorted({rev.user.label for rev in changes if rev.user is not None})
    detail = (f"{', '.join(who) or 'Someone'} changed this note while you were editing it "
              f"({', '.join(changed) or 'its state'}). Nothing was saved.")
    return _json_error(409, "Conflict", detail, current=_fields(current), changed=changed,
                       version=current.version)


@bp.post("/api/preview")
@editor_required
def preview():
    """Render Markdown exactly as readers will see it."""
    body = _payload().get("body") or ""
    if not isinstance(body, str):
        abort(400, description="body must be text")
    return jsonify({"html": str(render_markdown(body[:20_000]))})


@bp.get("/api/sources")
@editor_required
def sources():
    """Sources whose title, speaker or venue contains ``q``."""
    found = search_sources(request.args.get("q", "")[:200])
    return jsonify([{
        "id": s.id, "title": s.title, "speaker": s.speaker, "venue": s.venue,
        "occurred_on": s.occurred_on.isoformat() if s.occurred_on else "", "url": s.url,
        "language": s.language,
    } for s in found])


@bp.post("/api/docs/<slug>/annotations")
@editor_required
def annotation_create(slug):
    """Create an annotation from the page's panel."""
    document = db.session.scalars(select(Document).filter_by(slug=slug)).first() or abort(404)
    data = _payload()
    return _with_validation(lambda: _saved(create_note(document, data, current_user), 201))


@bp.get("/api/annotations/<id:annotation_id>")
@editor_required
def annotation_get(annotation_id):
    """The fields and version of an annotation, to edit it."""
    return jsonify(_fields(_annotation(annotation_id)))


@bp.put("/api/annotations/<id:annotation_id>")
@editor_required
def annotation_update(annotation_id):
    """Save an edit based on ``version``; 409 if someone saved in between."""
    annotation = _annotation(annotation_id)
    data = _payload()
    based_on = _version(data)
    # how the change is marked for readers (a correction, a clarification) and why
    correction, reason = data.pop("correction", None), data.pop("reason", None)

    def save():
        check_may_change(annotation, current_user)
        edit_note(annotation, data, current_user, based_on=based_on, correction=correction,
                  reason=reason)
        return _saved(annotation)
    return _with_validation(save)


def _version(data):
    version = data.pop("version", None)
    if not isinstance(version, int) or isinstance(version, bool) or not 0 < version <= MAX_ID:
        abort(400, description="say which version the change is based on (version)")
    return version


ACTIONS = {
    "publish": lambda a, data, based_on: publish(a, current_user, based_on=based_on),
    "unpublish": lambda a, data, based_on: unpublish(a, current_user, based_on=based_on,
                                                     reason=data.get("reason")),
    "delete": lambda a, data, based_on: delete_annotation(a, current_user, based_on=based_on,
                                                          reason=data.get("reason")),
    "restore": lambda a, data, based_on: restore_annotation(a, current_user),
    "submit": lambda a, data, based_on: submit(a, current_user, based_on=based_on),
    "approve": lambda a, data, based_on: approve(a, current_user, based_on=based_on),
    "changes": lambda a, data, based_on: request_changes(a, current_user, data.get("comment"),
                                                        based_on=based_on),
    "override": lambda a, data, based_on: override(a, current_user, data.get("reason"),
                                                   based_on=based_on),
    "confirm": lambda a, data, based_on: confirm_anchor(a, current_user, based_on=based_on),
}


# reviewing another editor's change is the point; confirming the words a text revision
# chose changes nothing readers see: any editor may do these
OPEN_ACTIONS = frozenset({"submit", "approve", "changes", "confirm"})


@bp.post("/api/annotations/<id:annotation_id>/<any(publish, unpublish, delete, restore, submit, "
         "approve, changes, override, confirm):action>")
@editor_required
def annotation_action(annotation_id, action):
    """Publish, unpublish, delete (soft), restore; submit, approve, request changes (with a
    ``comment``) or, for admins, publish without review (with a ``reason``); confirm the
    words a text revision moved a note onto."""
    annotation = _annotation(annotation_id)
    if annotation.is_reply and action not in ("delete", "restore"):
        abort(422, description="comments are not published or reviewed")
    data = _payload()
    based_on = _version(data)

    def run():
        if action not in OPEN_ACTIONS:
            check_may_change(annotation, current_user)
        ACTIONS[action](annotation, data, based_on)
        return _saved(annotation)
    return _with_validation(run)


@bp.post("/api/annotations/<id:annotation_id>/comments")
@editor_required
def comment_create(annotation_id):
    """Comment on a note, or answer a comment on it (``reply_to``): Markdown, @name mentions."""
    note = _annotation(annotation_id)
    if note.is_reply or note.deleted_at is not None:
        abort(404, description=f"there is no note {annotation_id} to comment on")
    data = _payload()
    parent = note
    if data.get("reply_to") not in (None, "", note.id):
        parent = _comment_in(note, data["reply_to"])

    def run():
        add_reply(parent, data.get("body"), current_user)
        return _saved(note, 201)
    return _with_validation(run)


def _comment_in(note, reply_to):
    """The live comment ``reply_to`` on the same document as ``note``, or 404."""
    try:
        found = db.session.get(Annotation, int(reply_to)) if 0 < int(reply_to) <= MAX_ID else None
    except (TypeError, ValueError):
        found = None
    if found is None or not found.is_reply or found.document_id != note.document_id \
            or found.deleted_at is not None:
        abort(404, description="there is no such comment to answer")
    return found


ACTION_LABELS = {
    "submitted": "submitted for review", "approved": "approved and published",
    "changes requested": "sent back: changes requested",
    "override": "published without review (admin override)",
    "change proposed": "change proposed (readers keep the published version)",
    "change withdrawn": "change withdrawn", "withdrawn": "back to draft",
    "confirmed": "new words confirmed",
}


@bp.get("/annotations/<id:annotation_id>/history")
@editor_required
def history(annotation_id):
    """Every saved revision of an annotation: who, when, what changed."""
    annotation = _annotation(annotation_id)
    revisions = list(annotation.revisions)
    rows = []
    previous = {}
    for revision in revisions:
        rows.append({"revision": revision, "diff": [
            (field, previous.get(field), revision.snapshot.get(field))
            for field in (revision.changed or revision.snapshot.keys())
            if field in revision.snapshot and previous.get(field) != revision.snapshot.get(field)
        ]})
        previous = revision.snapshot
    return render_template("editor/history.html", annotation=annotation, rows=reversed(rows),
                           ACTION_LABELS=ACTION_LABELS)


@bp.get("/deleted")
@editor_required
def deleted():
    """Deleted annotations and sources (not merged ones), newest first, each with a restore button."""
    annotations = db.session.scalars(
        select(Annotation).where(Annotation.deleted_at.is_not(None))
        .options(selectinload(Annotation.document))
        .order_by(Annotation.deleted_at.desc(), Annotation.id.desc())  # same second: later first
    ).all()
    sources = db.session.scalars(
        select(Source).where(Source.deleted_at.is_not(None), Source.merged_into_id.is_(None))
        .order_by(Source.deleted_at.desc(), Source.id.desc())).all()
    return render_template("editor/deleted.html", annotations=annotations, sources=sources)


@bp.post("/annotations/<id:annotation_id>/restore")
@editor_required
def restore(annotation_id):
    """Restore a deleted annotation from the deleted-notes page (a form post)."""
    annotation = _annotation(annotation_id)
    try:
        check_may_change(annotation, current_user)
    except NotAllowedError as exc:
        abort(403, description=str(exc))
    restore_annotation(annotation, current_user)
    db.session.commit()
    flash("The comment is restored." if annotation.is_reply else "The note is restored.", "info")
    return redirect(url_for("public.document", slug=annotation.document.slug,
                            _anchor=f"{'c' if annotation.is_reply else 'a'}-{annotation.id}"))


@bp.route("/docs/<slug>/edit", methods=["GET", "POST"])
@editor_required
def document_edit(slug):
    """Edit a document's title, outlet, author, date and URL (the slug stays)."""
    document = db.session.scalars(select(Document).filter_by(slug=slug)).first() or abort(404)
    form = DocumentForm(obj=document)
    if form.validate_on_submit():
        try:
            update_metadata(document, form.data)
        except ValidationError as exc:
            db.session.rollback()
            _form_errors(form, exc)
        else:
            db.session.commit()
            flash("Saved.", "info")
            return redirect(url_for("public.document", slug=document.slug))
    return render_template("editor/document_edit.html", form=form, document=document)


@bp.before_app_request
def _upload_limits():
    """Let the add-a-document form carry a file up to INTAKE_MAX_BYTES and text up to its limit.

    Runs before the CSRF check reads the form. A body a little over the limit is
    still read, so the form can come back saying so; one far over it is a 413 that
    ``too_large`` answers with the form.
    """
    if request.endpoint == "editor.document_new" and request.method == "POST":
        limit = current_app.config["INTAKE_MAX_BYTES"]
        request.max_content_length = 2 * limit + TEXT_FIELD_BYTES
        request.max_form_memory_size = TEXT_FIELD_BYTES


@bp.errorhandler(413)
def too_large(error):
    """A request body over the limit: the form again, stating the limit (a bare 413 elsewhere)."""
    if request.endpoint != "editor.document_new":
        return _api_http_error(error)
    form = NewDocumentForm(formdata=None)
    form.file.errors = [f"The file is larger than the limit of "
                        f"{size_words(current_app.config['INTAKE_MAX_BYTES'])}."]
    return render_template("editor/document_new.html", form=form, **_limits()), 413


def _limits():
    return {"max_bytes": current_app.config["INTAKE_MAX_BYTES"],
            "max_size": size_words(current_app.config["INTAKE_MAX_BYTES"])}


@bp.route("/docs/new", methods=["GET", "POST"])
@editor_required
def document_new():
    """Add a document from pasted text, a file (text, saved web page, PDF) or a web address.

    What was found is shown on the next page to confirm. Text and a file (or an
    address) given together is a question: each is read, and the editor picks one.
    """
    form = NewDocumentForm()
    if form.validate_on_submit():
        received, failed = [], []
        for field in form.given():
            try:
                received.append((field, _receive(field)))
            except TextError as exc:
                field.errors.append(str(exc))
                failed.append(field)
        if received:
            db.session.commit()
            if len(received) == 1 and not failed:
                return redirect(url_for("editor.intake_confirm", token=received[0][1].token))
            return render_template("editor/intake_choose.html", received=received,
                                   failed=failed)
    return render_template("editor/document_new.html", form=form, **_limits())


def _receive(field):
    """Read one field of the new-document form into a pending intake (raises TextError)."""
    config = current_app.config
    if field.name == "url":
        return receive_url(field.data.strip(), current_user, config)
    if field.name == "text":
        return receive_text(field.data, current_user)
    upload = field.data
    stream = upload.stream
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    if size > config["INTAKE_MAX_BYTES"]:
        raise IntakeError(f"{upload.filename}: the file is {size_words(size)}, larger than the "
                          f"limit of {size_words(config['INTAKE_MAX_BYTES'])}")
    try:
        return receive(upload.filename, stream.read(), current_user,
                       max_bytes=config["INTAKE_MAX_BYTES"])
    except TextError as exc:
        raise IntakeError(f"{upload.filename}: {exc}") from None


@bp.route("/intake/<token>", methods=["GET", "POST"])
@editor_required
def intake_confirm(token):
    """Show what was found in a page, PDF or text: the details to confirm, the text, and the
    documents it may duplicate; save it as a new document or a new revision of one."""
    intake = pending(token) or abort(404)
    if request.method == "POST" and "discard" in request.form:
        discard(intake)
        db.session.commit()
        flash("Discarded: nothing was added.", "info")
        return redirect(url_for("editor.document_new"))
    form = IntakeForm(data=_found_fields(intake.found))
    matches = intake_duplicates(intake)
    if form.validate_on_submit():
        revise = request.form.get("revise", type=int)
        try:
            document, action = confirm(intake, form.data, current_user, revise=revise,
                                       separate="separate" in request.form)
        except DuplicateError as exc:
            db.session.rollback()
            matches = exc.matches
        except ValidationError as exc:
            db.session.rollback()
            _form_errors(form, exc)
        else:
            db.session.commit()
            flash("Document added." if action == "created" else
                  f"Revision {document.revision} saved: the notes followed their words.", "info")
            return redirect(url_for("public.document", slug=document.slug))
    paragraphs = intake.text.split("\n\n", PREVIEW_PARAGRAPHS)
    return render_template(
        "editor/intake_confirm.html", form=form, intake=intake, matches=matches,
        paragraphs=paragraphs[:PREVIEW_PARAGRAPHS], more=len(paragraphs) > PREVIEW_PARAGRAPHS,
        words=len(intake.text.split()))


def _found_fields(found):
    """The metadata as found, as the confirm form's fields take it (a date for the date)."""
    fields = dict(found or {})
    try:
        fields["published_on"] = date.fromisoformat(fields.get("published_on") or "")
    except ValueError:
        fields["published_on"] = None
    return fields


@bp.get("/originals/<id:intake_id>")
@editor_required
def original(intake_id):
    """Serve the archived original of a page or PDF, inert: no script runs, nothing loads.

    A page is served under a sandboxing CSP that forbids scripts, plugins, forms and
    every load from elsewhere (inline styles stay, so it still looks like itself); a
    PDF is a download.
    """
    intake = db.session.get(Intake, intake_id)
    if intake is None or intake.content is None:
        abort(404)
    response = make_response(intake.content)
    name = secure_filename(intake.filename) or f"original-{intake.id}"
    if intake.kind == "pdf":
        response.content_type = "application/pdf"
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    else:
        response.content_type = f"text/html; charset={intake.charset or 'utf-8'}"
        response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    response.headers["Content-Security-Policy"] = ARCHIVE_POLICY
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "private, max-age=0"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


@bp.route("/docs/<slug>/text", methods=["GET", "POST"])
@editor_required
def document_text(slug):
    """Revise a document's text; its annotations follow their words or become orphans."""
    document = _document(slug)
    form = TextForm(text=document.text)
    if form.validate_on_submit():
        try:
            text = canonicalize(form.text.data.encode("utf-8"))
        except TextError as exc:
            form.text.errors.append(str(exc))
        else:
            if text == document.text:
                flash("The text is unchanged.", "info")
                return redirect(url_for("public.document", slug=slug))
            landed = revise_text(document, text, current_user, note=(form.note.data or "").strip())
            record_matches([document])
            db.session.commit()
            flash(f"Revision {document.revision} saved. Notes: {_landed(landed)}.", "info")
            return redirect(url_for("public.document", slug=slug))
    return render_template("editor/document_text.html", form=form, document=document)


def _landed(landed):
    """Say in words how the annotations landed on a new revision."""
    if not landed:
        return "none to move"
    names = {"unchanged": "stayed", "moved": "moved with their words",
             "fuzzy": "found again on slightly changed words", "orphaned": "orphaned"}
    return ", ".join(f"{n} {names[state]}" for state, n in sorted(landed.items()))


@bp.get("/docs/<slug>/revisions")
@editor_required
def revisions(slug):
    """List a document's revisions and show any two side by side."""
    document = _document(slug)
    numbers = [r.number for r in document.revisions]
    by_number = {r.number: r for r in document.revisions}
    right = request.args.get("to", type=int) or numbers[-1]
    left = request.args.get("from", type=int) or max(right - 1, numbers[0])
    if left not in by_number or right not in by_number:
        abort(404)
    rows = side_by_side(by_number[left].text, by_number[right].text)
    return render_template("editor/revisions.html", document=document, left=by_number[left],
                           right=by_number[right], rows=rows,
                           changed=any(tag != "equal" for tag, _, _ in rows))


@bp.post("/docs/<slug>/link")
@editor_required
def link(slug):
    """Link a passage here and its retelling in another document to one source.

    A passage that already cites the source gets no second note. Bad input is a 422
    page that says what to fix.
    """
    document = _document(slug)
    form = request.form
    other = _document(form.get("other", ""))
    try:
        spans = [(document, int(form["start"]), int(form["end"]), form.get("relation") or None),
                 (other, int(form["other_start"]), int(form["other_end"]),
                  form.get("other_relation") or None)]
    except (KeyError, ValueError):
        abort(400, description="the passages' positions are missing")
    source = form.get("source_id") or None
    if not source and form.get("source_title", "").strip():
        source = {"title": form["source_title"], "speaker": form.get("source_speaker", ""),
                  "occurred_on": form.get("source_date", ""), "venue": form.get("source_venue", "")}
    try:
        source, created = link_passages(spans, source, current_user, body=form.get("body", ""))
    except ValidationError as exc:
        db.session.rollback()
        abort(422, description="Not linked: " + "; ".join(exc.errors.values())
              + ". Go back to the document to correct it.")
    db.session.commit()
    if not created:
        flash("Both passages already cite this source: nothing was added.", "info")
    elif len(created) < len(spans):
        flash("One passage already cited this source; the other now does too, as a draft: "
              "review and publish it.", "info")
    else:
        flash("Both passages now cite the source, as drafts: review and publish them.", "info")
    return redirect(url_for("public.source", source_id=source.id))


def _document(slug):
    if "\x00" in slug:  # no slug has one, and PostgreSQL refuses NUL in a query
        abort(404)
    return db.session.scalars(select(Document).filter_by(slug=slug)).first() or abort(404)


def _form_errors(form, exc):
    for field, message in exc.errors.items():
        target = getattr(form, field, None)
        (target.errors if target is not None else form.form_errors).append(message)

