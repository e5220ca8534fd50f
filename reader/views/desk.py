"""The editors' desk at /editor: what waits for the signed-in editor, and assignments."""

from datetime import UTC, datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..text.diffview import marked_changes
from ..extensions import db
from ..forms import ActionForm, AssignForm
from ..models import Annotation, Assignment, Document, ReaderMessage, Source
from ..services import ValidationError
from ..services.annotations import confirm_anchor
from ..services.assignments import (
    NotAllowedError, assign, assignable_editors, assignment_history, mark_done, open_assignments,
    reassign, unassign,
)
from ..services.desk import (
    SECTIONS, Event, Pair, find_section, listing, nav_counts, pair_details, reanchor_details,
)
from . import editor_required, local_path

bp = Blueprint("desk", __name__, url_prefix="/editor")

PREVIEW = 5  # rows of each section on the desk
PREVIEW_ASIDE = 12  # rows of the activity feed beside them
PAGE_SIZE = 25  # rows on a section's own page
MAX_PAGE = 1_000


@bp.app_context_processor
def _desk_nav():
    """``desk_nav()`` in templates: the counts for the navigation bar (base.html calls it once)."""
    def desk_nav():
        if not current_user.is_authenticated:
            return None
        counts = nav_counts(current_user)
        return {"total": sum(n for _, n in counts), "parts": [(s.title, n) for s, n in counts if n]}
    return {"desk_nav": desk_nav}


@bp.app_template_filter("ago")
def ago(moment):
    """Say how long ago ``moment`` was: "just now", "5 min ago", "3 h ago", else the date."""
    seconds = (datetime.now(UTC) - moment).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86_400:
        return f"{int(seconds // 3600)} h ago"
    return moment.strftime("%-d %b" if moment.year == datetime.now(UTC).year else "%-d %b %Y")


bp.add_app_template_global(marked_changes, "marked_changes")


def _item_kind(row):
    if isinstance(row, Annotation) and row.is_reply:
        return "mention"  # a comment: the only comments the desk lists mention the editor
    for cls, name in ((Assignment, "assignment"), (Annotation, "note"), (Pair, "pair"),
                      (Event, "event"), (ReaderMessage, "message")):
        if isinstance(row, cls):
            return name
    raise TypeError(f"the desk cannot show {row!r}")


def _section(section, offset, limit):
    """The rows of one section for the signed-in editor, ready for the templates."""
    rows = listing(section, current_user)
    count = rows.count()
    found = rows.rows(offset, limit + 1)
    more, found = len(found) > limit, found[:limit]
    kinds = {_item_kind(row) for row in found}
    items = pair_details(found) if kinds == {"pair"} else found
    checks = reanchor_details(found)
    for check in checks.values():
        if check.get("to") is not None:
            check["changes"] = marked_changes(check.get("from") or "", check["to"])
    return {"section": section, "count": count, "more": more, "kind": kinds.pop() if kinds else "",
            "items": items, "checks": checks, "pending": getattr(rows, "pending", False)}


def _needs(sections):
    """What the item templates need beyond the rows: editors to reassign to, sources to link."""
    kinds = {s["kind"] for s in sections}
    return {
        "editors": assignable_editors() if "assignment" in kinds else [],
        "sources": db.session.execute(select(Source.id, Source.title, Source.speaker)
                                      .order_by(Source.title)).all() if "pair" in kinds else [],
    }


@bp.get("")
@editor_required
def dashboard():
    """The signed-in editor's desk: each section's first rows and how many there are."""
    sections = [_section(s, 0, PREVIEW_ASIDE if s.aside else PREVIEW) for s in SECTIONS]
    return render_template("desk/dashboard.html", sections=sections, **_needs(sections))


@bp.get("/desk/<key>")
@editor_required
def section(key):
    """One section of the desk, whole, a page at a time (``?page=N``)."""
    found = find_section(key) or abort(404)
    page = request.args.get("page", 1, type=int)
    if not 1 <= page <= MAX_PAGE:
        abort(404)
    shown = _section(found, (page - 1) * PAGE_SIZE, PAGE_SIZE)
    if page > 1 and not shown["items"]:
        abort(404)
    return render_template("desk/section.html", shown=shown, page=page, page_size=PAGE_SIZE,
                           **_needs([shown]))


def _local(target, default):
    """Return ``target`` if it is a path on this site (see views.local_path), else ``default``."""
    return local_path(target) or default


def _target_url(target):
    """The page of a document, or of a note on its document."""
    if isinstance(target, Annotation):
        return url_for("public.document", slug=target.document.slug, _anchor=f"a-{target.id}")
    return url_for("public.document", slug=target.slug)


def _assignments_page(target, form):
    """The assignments of a document or note: open ones, the history, a form to add one."""
    form.assignee.choices = [("", "Choose an editor…")] + [
        (u.name, u.label + (" (you)" if u.id == current_user.id else ""))
        for u in assignable_editors()]
    if form.validate_on_submit():
        try:
            assignment = assign(target, form.assignee.data, form.message.data, current_user)
        except ValidationError as exc:
            db.session.rollback()
            for field, message in exc.errors.items():
                getattr(form, field, form.assignee).errors.append(message)
        else:
            db.session.commit()
            task = "annotate this document" if assignment.task == "annotate" else \
                "review this note"
            flash(f"{assignment.assignee.label} is asked to {task}.", "info")
            return redirect(_local(form.next.data, _target_url(target)))
    note = target if isinstance(target, Annotation) else None
    document = note.document if note else target
    return render_template(
        "desk/assignments.html", form=form, note=note, document=document,
        open=open_assignments(annotation=note) if note else open_assignments(document=document),
        history=assignment_history(annotation=note) if note else assignment_history(document),
        target_url=_target_url(target),
        editors=assignable_editors())


@bp.route("/annotations/<id:annotation_id>/assignments", methods=["GET", "POST"])
@editor_required
def annotation_assignments(annotation_id):
    """Ask an editor to review a note; see who has been asked."""
    annotation = db.session.get(Annotation, annotation_id) or abort(404)
    return _assignments_page(annotation, AssignForm())


@bp.route("/docs/<slug>/assignments", methods=["GET", "POST"])
@editor_required
def document_assignments(slug):
    """Ask an editor to annotate a document; see who has been asked."""
    document = db.session.scalars(select(Document).filter_by(slug=slug)).first() or abort(404)
    return _assignments_page(document, AssignForm())


@bp.post("/assignments/<id:assignment_id>/<any(done, unassign, reassign):action>")
@editor_required
def assignment_action(assignment_id, action):
    """Mark an assignment done, unassign it, or hand it to another editor."""
    assignment = db.session.get(Assignment, assignment_id) or abort(404)
    target = assignment.document or assignment.annotation
    back = url_for(f"desk.{'document' if assignment.document_id else 'annotation'}_assignments",
                   **({"slug": target.slug} if assignment.document_id
                      else {"annotation_id": target.id}))
    form = AssignForm() if action == "reassign" else ActionForm()
    if not form.validate_on_submit():
        flash("Nothing changed: " + "; ".join(e for errors in form.errors.values() for e in errors),
              "error")
        return redirect(back)
    try:
        if action == "done":
            mark_done(assignment, current_user)
            said = "Marked done."
        elif action == "unassign":
            unassign(assignment, current_user)
            said = f"{assignment.assignee.label} is no longer assigned."
        else:
            new = reassign(assignment, form.assignee.data, form.message.data, current_user)
            said = f"Reassigned to {new.assignee.label}."
    except NotAllowedError as exc:
        db.session.rollback()
        abort(403, description=str(exc))
    except ValidationError as exc:
        db.session.rollback()
        flash("Nothing changed: " + "; ".join(exc.errors.values()), "error")
        return redirect(back)
    db.session.commit()
    flash(said, "info")
    return redirect(_local(form.next.data, back))


@bp.post("/annotations/<id:annotation_id>/confirm")
@editor_required
def confirm(annotation_id):
    """Confirm that a note re-anchored onto changed words still says the right thing."""
    annotation = db.session.get(Annotation, annotation_id) or abort(404)
    form = ActionForm()
    back = _local(form.next.data, _target_url(annotation))
    if not form.validate_on_submit():
        flash("Nothing changed: the form has expired, try again.", "error")
        return redirect(back)
    try:
        confirm_anchor(annotation, current_user)
    except ValidationError as exc:
        db.session.rollback()
        flash("Not confirmed: " + "; ".join(exc.errors.values()), "error")
        return redirect(back)
    db.session.commit()
    flash("Confirmed: the note stays on its new words.", "info")
    return redirect(back)
