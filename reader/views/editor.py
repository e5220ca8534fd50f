"""Editors' work: annotate from the page (JSON with the CSRF token), history, deleted notes,
document metadata and new documents."""

from flask import (
    Blueprint, abort, flash, jsonify, make_response, redirect, render_template, request, url_for,
)
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..database import retry_after
from ..extensions import db
from ..diffview import side_by_side
from ..forms import DocumentForm, NewDocumentForm, TextForm
from ..models import Annotation, AnnotationRevision, Document
from ..sanitize import render_markdown
from ..services import StaleVersionError, ValidationError
from ..services.annotations import (
    EDITABLE, confirm_anchor, create_annotation, delete_annotation, restore_annotation, set_status,
    update_annotation,
)
from ..services.documents import create_document, revise_text, update_metadata
from ..services.related import link_passages
from ..services.sources import search_sources
from ..text import TextError, canonicalize
from . import editor_required
from .parts import document_parts

bp = Blueprint("editor", __name__, url_prefix="/editor")


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


def _api_http_error(error):
    if request.path.startswith("/editor/api/"):
        response = _json_error(error.code, error.name, error.description)
    else:
        response = make_response(render_template("errors/error.html", code=error.code,
                                                 error=error), error.code)
    response.headers.extend(retry_after(error))
    return response


for _code in (400, 401, 403, 404, 405, 409, 413, 415, 422, 503):
    bp.register_error_handler(_code, _api_http_error)


def _payload():
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, description="send a JSON object")
    return data


def _annotation(annotation_id):
    annotation = db.session.get(Annotation, annotation_id)
    if annotation is None:
        abort(404, description=f"there is no annotation {annotation_id}")
    return annotation


def _fields(annotation):
    """The editable fields of an annotation as the page's form needs them."""
    fields = {field: getattr(annotation, field) for field in EDITABLE}
    source = annotation.source
    fields.update({
        "id": annotation.id, "version": annotation.version, "orphan": annotation.orphan,
        "deleted": annotation.deleted_at is not None, "document": annotation.document.slug,
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
    """Run ``action``; map a rule broken to 422 and a stale version to 409, writing nothing."""
    try:
        return action()
    except ValidationError as exc:
        db.session.rollback()
        return _json_error(422, "Unprocessable Entity", str(exc), fields=exc.errors)
    except StaleVersionError as exc:
        db.session.rollback()
        return _stale(exc)


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
    return _with_validation(lambda: _saved(create_annotation(document, data, current_user), 201))


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

    def save():
        update_annotation(annotation, data, current_user, based_on=based_on)
        return _saved(annotation)
    return _with_validation(save)


def _version(data):
    version = data.pop("version", None)
    if not isinstance(version, int) or isinstance(version, bool):
        abort(400, description="say which version the change is based on (version)")
    return version


@bp.post("/api/annotations/<id:annotation_id>/"
         "<any(publish, unpublish, delete, restore, confirm):action>")
@editor_required
def annotation_action(annotation_id, action):
    """Publish, unpublish, delete (soft) or restore an annotation, or confirm its new words."""
    annotation = _annotation(annotation_id)
    based_on = _version(_payload())

    def run():
        if action in ("publish", "unpublish"):
            status = "published" if action == "publish" else "draft"
            set_status(annotation, status, current_user, based_on=based_on)
        elif action == "delete":
            delete_annotation(annotation, current_user, based_on=based_on)
        elif action == "confirm":
            confirm_anchor(annotation, current_user, based_on=based_on)
        else:
            restore_annotation(annotation, current_user)
        return _saved(annotation)
    return _with_validation(run)


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
    return render_template("editor/history.html", annotation=annotation, rows=reversed(rows))


@bp.get("/deleted")
@editor_required
def deleted():
    """Deleted annotations, newest first, each with a restore button."""
    annotations = db.session.scalars(
        select(Annotation).where(Annotation.deleted_at.is_not(None))
        .options(selectinload(Annotation.document))
        .order_by(Annotation.deleted_at.desc(), Annotation.id.desc())  # same second: later first
    ).all()
    return render_template("editor/deleted.html", annotations=annotations)


@bp.post("/annotations/<id:annotation_id>/restore")
@editor_required
def restore(annotation_id):
    """Restore a deleted annotation from the deleted-notes page (a form post)."""
    annotation = _annotation(annotation_id)
    restore_annotation(annotation, current_user)
    db.session.commit()
    flash("The note is restored.", "info")
    return redirect(url_for("public.document", slug=annotation.document.slug,
                            _anchor=f"a-{annotation.id}"))


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


@bp.route("/docs/new", methods=["GET", "POST"])
@editor_required
def document_new():
    """Add a document by pasting its text or uploading a .txt or .md file."""
    form = NewDocumentForm()
    if form.validate_on_submit():
        upload = form.file.data
        raw = upload.read() if upload else form.text.data.encode("utf-8")
        try:
            text = canonicalize(raw)
            meta = {k: v for k, v in form.data.items() if k in (
                "title", "outlet", "author", "published_on", "source_url")}
            document = create_document(text, meta, user=current_user)
        except TextError as exc:
            field = form.file if upload else form.text
            field.errors.append(f"{upload.filename + ': ' if upload else ''}{exc}")
        except ValidationError as exc:
            db.session.rollback()
            _form_errors(form, exc)
        else:
            db.session.commit()
            flash("Document added.", "info")
            return redirect(url_for("public.document", slug=document.slug))
    return render_template("editor/document_new.html", form=form)


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
    """Link a passage here and its retelling in another document to one source."""
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
        created = link_passages(spans, source, current_user, body=form.get("body", ""))
    except ValidationError as exc:
        db.session.rollback()
        flash("Not linked: " + "; ".join(exc.errors.values()), "error")
        return redirect(url_for("public.document", slug=slug))
    db.session.commit()
    flash("Both passages now cite the source, as drafts: review and publish them.", "info")
    return redirect(url_for("public.source", source_id=created[0].source_id))


def _document(slug):
    return db.session.scalars(select(Document).filter_by(slug=slug)).first() or abort(404)


def _form_errors(form, exc):
    for field, message in exc.errors.items():
        target = getattr(form, field, None)
        (target.errors if target is not None else form.form_errors).append(message)

