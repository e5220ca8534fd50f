"""Assignments: ask an editor to annotate a document or review a note; reassign, unassign, done.

Any editor may assign. Only the editor it is assigned to, the one who assigned it, or an
admin may mark it done, reassign or unassign it. A closed assignment stays, for the
history; a reassignment closes one and opens another that points back to it.
"""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Annotation, Assignment, Document, User, utcnow
from . import ServiceError, ValidationError

MAX_MESSAGE = 2_000


class NotAllowedError(ServiceError):
    """The user may not change this assignment."""


def assignable_editors():
    """Return the accounts that can take an assignment: every enabled editor and admin."""
    return db.session.scalars(select(User).where(User.disabled.is_(False))
                              .order_by(User.display_name, User.name)).all()


def _assignee(name):
    """Return the enabled user called ``name``, or raise ValidationError saying why not."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"assignee": "choose the editor to assign it to"})
    user = db.session.scalars(select(User).filter_by(name=name[:80])).first()
    if user is None:
        raise ValidationError({"assignee": f"there is no editor called {name[:80]!r}"})
    if user.disabled:
        raise ValidationError({"assignee": f"{user.label}'s account is disabled: "
                                           "it cannot take assignments"})
    return user


def _message(message):
    message = (message or "").strip()
    if len(message) > MAX_MESSAGE:
        raise ValidationError({"message": f"at most {MAX_MESSAGE:,} characters "
                                          f"(this one has {len(message):,})"})
    return message


def assign(target, assignee_name, message, user, replaces=None):
    """Assign ``target`` (a Document: annotate it; an Annotation: review it) to an editor.

    Refused (ValidationError) for an unknown or disabled editor, a deleted note, a
    message too long, or a target already assigned to that editor and still open.
    Returns the new Assignment.
    """
    assignee = _assignee(assignee_name)
    message = _message(message)
    if isinstance(target, Annotation):
        if target.deleted_at is not None:
            raise ValidationError({"target": "the note is deleted: restore it first"})
        where = Assignment.annotation_id == target.id
    elif isinstance(target, Document):
        where = Assignment.document_id == target.id
    else:
        raise TypeError(f"cannot assign {target!r}")
    if db.session.scalars(select(Assignment.id).where(
            where, Assignment.assignee_id == assignee.id, *open_condition())).first():
        raise ValidationError({"assignee": f"it is already assigned to {assignee.label}"})
    assignment = Assignment(
        document=target if isinstance(target, Document) else None,
        annotation=target if isinstance(target, Annotation) else None,
        assignee=assignee, assigned_by=user, message=message, created_at=utcnow(),
        replaces_id=replaces.id if replaces is not None else None,
    )
    db.session.add(assignment)
    db.session.flush()
    return assignment


def _check_may_change(assignment, user):
    if assignment.done_at is not None or assignment.cancelled_at is not None:
        raise ValidationError({"assignment": "this assignment is closed already"})
    if user.is_admin or user.id in (assignment.assignee_id, assignment.assigned_by_id):
        return
    raise NotAllowedError("only the editor it is assigned to, the editor who assigned it, "
                          "or an admin can change this assignment")


def mark_done(assignment, user):
    """Close ``assignment`` as done."""
    _check_may_change(assignment, user)
    assignment.done_at = utcnow()
    assignment.closed_by = user


def unassign(assignment, user):
    """Close ``assignment`` without it being done (cancelled)."""
    _check_may_change(assignment, user)
    assignment.cancelled_at = utcnow()
    assignment.closed_by = user


def reassign(assignment, assignee_name, message, user):
    """Hand ``assignment`` to another editor: close it and open a new one; return the new one.

    The message stays unless a new one is given.
    """
    _check_may_change(assignment, user)
    assignment.cancelled_at = utcnow()
    assignment.closed_by = user
    target = assignment.document or assignment.annotation
    return assign(target, assignee_name, (message or "").strip() or assignment.message, user,
                  replaces=assignment)


def open_condition():
    """The WHERE clauses of an assignment still open."""
    return (Assignment.done_at.is_(None), Assignment.cancelled_at.is_(None))


def open_assignments(document=None, annotation=None):
    """Return the open assignments of a document (not its notes) or of one note, oldest first."""
    where = (Assignment.document_id == document.id if document is not None
             else Assignment.annotation_id == annotation.id)
    return db.session.scalars(
        select(Assignment).where(where, *open_condition())
        .options(selectinload(Assignment.assignee), selectinload(Assignment.assigned_by))
        .order_by(Assignment.created_at, Assignment.id)
    ).all()


def open_assignees_by_note(document):
    """Return ``{annotation id: [assignee, …]}`` for the open note assignments on a document."""
    rows = db.session.execute(
        select(Assignment.annotation_id, User)
        .join(User, User.id == Assignment.assignee_id)
        .join(Annotation, Annotation.id == Assignment.annotation_id)
        .where(Annotation.document_id == document.id, *open_condition())
        .order_by(Assignment.created_at, Assignment.id)
    ).all()
    found = {}
    for annotation_id, user in rows:
        found.setdefault(annotation_id, []).append(user)
    return found


def assignment_history(document=None, annotation=None, limit=50):
    """Return the latest ``limit`` assignments of a document (not its notes) or of one note,
    newest first."""
    where = (Assignment.document_id == document.id if document is not None
             else Assignment.annotation_id == annotation.id)
    return db.session.scalars(
        select(Assignment).where(where)
        .options(selectinload(Assignment.assignee), selectinload(Assignment.assigned_by),
                 selectinload(Assignment.closed_by))
        .order_by(Assignment.created_at.desc(), Assignment.id.desc()).limit(limit)
    ).all()
