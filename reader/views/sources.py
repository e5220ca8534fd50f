"""Editors manage sources: list, edit (every change kept), merge two, delete an unused one,
restore it."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..extensions import db
from ..forms import SourceForm
from ..models import Source
from ..services import StaleVersionError, ValidationError
from ..services.annotations import parse_source_id
from ..services.sources import (
    SOURCE_FIELDS, SourceError, citation_counts, delete_source, is_public, list_sources,
    live_source, merge_sources, restore_source, update_source,
)
from . import editor_required

bp = Blueprint("sources", __name__, url_prefix="/editor/sources")

PAGE_SIZE = 50
CANDIDATES = 30  # sources offered on the merge page at once (a search narrows them)


def _source(source_id):
    """Return the source with this id, whatever its state, or 404."""
    return db.session.get(Source, source_id) or abort(404)


def _page_number():
    page = request.args.get("page", "1")
    return int(page) if page.isascii() and page.isdigit() and 0 < int(page) < 100_000 else 1


@bp.get("/")
@editor_required
def index():
    """Every live source, by title, with its citations; ``?q=`` narrows them."""
    query = request.args.get("q", "")[:200]
    page = _page_number()
    sources, total = list_sources(query, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    return render_template("sources/index.html", sources=sources, total=total, query=query,
                           page=page, pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
                           counts=citation_counts([s.id for s in sources]))


@bp.route("/<id:source_id>/edit", methods=["GET", "POST"])
@editor_required
def edit(source_id):
    """Correct a source's fields; the change is kept in its history.

    If someone saved the source meanwhile, nothing is written: the form keeps the
    editor's text and shows what was saved in between.
    """
    source = _source(source_id)
    if source.deleted_at is not None:
        survivor = live_source(source.id)
        if survivor is not None:
            return redirect(url_for("sources.edit", source_id=survivor.id))
        flash("This source is deleted: restore it before editing it.", "error")
        return redirect(url_for("public.source", source_id=source.id))
    form = SourceForm(obj=source)
    saved_meanwhile = None
    status = 200
    if form.validate_on_submit():
        based_on = str(form.version.data or "")
        try:
            if not (based_on.isascii() and based_on.isdigit()):
                raise StaleVersionError(source.version, 0)
            changed = update_source(source, form.data, current_user, based_on=int(based_on))
        except ValidationError as exc:
            db.session.rollback()
            for field, message in exc.errors.items():
                target = getattr(form, field.removeprefix("source."), None)
                (target.errors if target is not None else form.form_errors).append(message)
            status = 422
        except StaleVersionError:
            db.session.rollback()
            source = _source(source_id)
            saved_meanwhile = {field: _shown(getattr(source, field)) for field in SOURCE_FIELDS
                               if _shown(getattr(source, field)) != _shown(form.data[field])}
            form.form_errors.append(
                "Someone saved this source while you were editing it. Nothing was saved: "
                "your text is still below, with what they saved beside each field that "
                "differs. Save again to keep yours.")
            form.version.data = str(source.version)
            status = 409
        else:
            db.session.commit()
            flash("Saved. The change is in the source's history." if changed
                  else "Nothing changed.", "info")
            return redirect(url_for("public.source", source_id=source.id))
    elif request.method == "POST":
        status = 422
    return render_template("sources/edit.html", form=form, source=source,
                           saved_meanwhile=saved_meanwhile), status


def _shown(value):
    """A field's value as the form shows it (dates as ISO text, nothing as empty)."""
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


@bp.get("/<id:source_id>/history")
@editor_required
def history(source_id):
    """Every change to a source: who, when, what changed; merges and deletions too."""
    source = _source(source_id)
    rows, previous = [], {}
    for revision in source.revisions:
        rows.append({"revision": revision, "diff": [
            (field, previous.get(field), revision.snapshot.get(field))
            for field in SOURCE_FIELDS
            if previous.get(field) != revision.snapshot.get(field) and (
                previous or revision.snapshot.get(field) not in (None, ""))
        ]})
        previous = revision.snapshot
    return render_template("sources/history.html", source=source, rows=list(reversed(rows)))


@bp.route("/<id:source_id>/merge", methods=["GET", "POST"])
@editor_required
def merge(source_id):
    """Merge this source into another: pick the other one, review both, confirm.

    Every note citing this source then cites the other; this source's page leads there.
    """
    source = _source(source_id)
    if source.deleted_at is not None:
        flash("This source is deleted or merged already.", "error")
        return redirect(url_for("public.source", source_id=source.id))
    errors = {}
    raw_into = request.form.get("into") if request.method == "POST" else request.args.get("into")
    into_id = parse_source_id(raw_into, errors, field="into")
    survivor = live_source(into_id) if into_id is not None else None
    status = 200
    if into_id is not None and (survivor is None or survivor.id == source.id):
        errors["into"] = ("a source cannot be merged into itself" if survivor is not None
                          else f"there is no source {into_id} (it may have been deleted)")
        survivor = None
    if request.method == "POST" and survivor is None:
        errors.setdefault("into", "choose the source to merge into")
    if request.method == "POST" and not errors:
        try:
            moved = merge_sources(source, survivor, current_user)
        except (SourceError, StaleVersionError) as exc:
            db.session.rollback()
            errors["into"] = (str(exc) if isinstance(exc, SourceError) else
                              "one of the sources or notes changed meanwhile: review and merge again")
        else:
            db.session.commit()
            flash(f"Merged: {moved} citation{'s' if moved != 1 else ''} moved to this source. "
                  f"The address of “{source.title}” now leads here.", "info")
            return redirect(url_for("public.source", source_id=survivor.id))
    if errors:
        status = 422
        source = _source(source_id)
    query = request.args.get("q", "")[:200]
    candidates = []
    if survivor is None:
        candidates, _ = list_sources(query, limit=CANDIDATES, exclude=source.id)
    counts = citation_counts([source.id] + [s.id for s in candidates]
                             + ([survivor.id] if survivor else []))
    return render_template("sources/merge.html", source=source, survivor=survivor,
                           candidates=candidates, query=query, counts=counts,
                           errors=errors, fields=SOURCE_FIELDS), status


@bp.post("/<id:source_id>/delete")
@editor_required
def delete(source_id):
    """Delete a source no note cites (softly: it can be restored from the deleted page)."""
    source = _source(source_id)
    try:
        delete_source(source, current_user)
    except SourceError as exc:
        db.session.rollback()
        flash(f"Not deleted: {exc}.", "error")
        return redirect(url_for("public.source", source_id=source.id))
    db.session.commit()
    flash(f"“{source.title}” is deleted. It can be restored from Deleted.", "info")
    return redirect(url_for("sources.index"))


@bp.post("/<id:source_id>/restore")
@editor_required
def restore(source_id):
    """Restore a deleted source."""
    source = _source(source_id)
    try:
        restore_source(source, current_user)
    except SourceError as exc:
        db.session.rollback()
        flash(f"Not restored: {exc}.", "error")
    else:
        db.session.commit()
        note = "" if is_public(source) else " Readers see it once a published note cites it."
        flash("The source is restored." + note, "info")
    return redirect(url_for("public.source", source_id=source.id))
