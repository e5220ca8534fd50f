"""Editors' discussion on a note: comments in threads, with @name mentions of editors.

A comment is an annotation of kind "reply" whose ``reply_to_id`` names the note or
the comment it answers (a W3C annotation with motivation ``replying``). It is never
published: every reader's query shows published notes only, and lists of notes leave
replies out. Callers commit.
"""

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..config import REPLY
from ..extensions import db
from ..models import Annotation, Mention, User, utcnow
from . import NotAllowedError, ValidationError
from .annotations import MAX_BODY, check_version, record_revision

MAX_MENTIONS = 20  # names looked up per comment
# "@name" where a name is a user name (letters, digits, . _ -), not inside an e-mail address
_MENTION = re.compile(r"(?<![\w@.+-])@([A-Za-z0-9_.-]{2,80})")


def mentioned_names(body):
    """Return the distinct ``@names`` in ``body``, in order (a trailing dot or hyphen ends one)."""
    names = []
    for match in _MENTION.finditer(body or ""):
        name = match.group(1).rstrip(".-")
        if len(name) >= 2 and name.casefold() not in (n.casefold() for n in names):
            names.append(name)
        if len(names) == MAX_MENTIONS:
            break
    return names


def _check_body(body):
    if not isinstance(body, str) or not body.strip():
        raise ValidationError({"body": "write the comment"})
    if "\x00" in body:  # PostgreSQL stores no NUL in text
        raise ValidationError({"body": "the comment cannot contain a NUL character"})
    if len(body) > MAX_BODY:
        raise ValidationError({"body": f"at most {MAX_BODY:,} characters "
                                       f"(this one has {len(body):,})"})
    return body


def add_reply(parent, body, user=None, *, creator_name="", via=None, annotation_id=None,
              created=None, modified=None, flush=True):
    """Add a comment answering ``parent`` (a note or a comment); return it.

    Known editors named ``@name`` in it are recorded as mentioned; other names stay
    plain text. Raises ValidationError (empty, too long, a deleted parent).
    """
    body = _check_body(body)
    if parent.deleted_at is not None:
        raise ValidationError({"reply_to": "that note or comment is deleted"})
    reply = Annotation(document=parent.document, kind=REPLY, status="draft", body=body,
                       tags=[], exact="", prefix="", suffix="", reply_to=parent,
                       creator=user, via=via,
                       creator_name=creator_name or (user.public_name if user else ""))
    if annotation_id is not None:
        reply.id = annotation_id
    reply.created_at = created or utcnow()
    reply.modified_at = modified or reply.created_at
    db.session.add(reply)
    record_revision(reply, "created", [], user)
    db.session.flush()
    _record_mentions(reply)
    return reply


def edit_reply(reply, body, user=None, *, based_on=None, modified=None, by_import=False):
    """Change a comment's text (its author only, unless importing); return True if it changed."""
    check_version(reply, based_on)
    if not by_import and (user is None or reply.creator_id != user.id):
        raise NotAllowedError("only its author changes a comment")
    body = _check_body(body)
    if body == reply.body:
        return False
    reply.body = body
    reply.modified_at = modified or utcnow()
    record_revision(reply, "edited", ["body"], user)
    _record_mentions(reply)
    return True


def _record_mentions(reply):
    """Keep one Mention per known editor the comment names (and drop names it no longer has)."""
    names = [name.casefold() for name in mentioned_names(reply.body)]
    users = db.session.scalars(select(User).where(func.lower(User.name).in_(names))).all() \
        if names else []
    wanted = {user.id for user in users}
    existing = {m.user_id: m for m in db.session.scalars(
        select(Mention).where(Mention.annotation_id == reply.id))}
    for user_id, mention in existing.items():
        if user_id not in wanted:
            db.session.delete(mention)
    for user_id in wanted - set(existing):
        db.session.add(Mention(annotation_id=reply.id, user_id=user_id,
                               created_at=reply.modified_at))


@dataclass
class Comment:
    """One comment in a thread: ``depth`` 1 answers the note, 2 a comment, and so on."""

    annotation: Annotation
    depth: int
    answers: Annotation | None  # the comment it answers, or None for the note itself


def discussions(document):
    """Return ``{note id: [Comment, …]}`` for every live comment on ``document``, threaded.

    One query and one pass: each thread in reading order (a comment, then its answers).
    The comments of a deleted comment move up to its parent.
    """
    replies = db.session.scalars(
        select(Annotation).where(Annotation.document_id == document.id,
                                 Annotation.reply_to_id.is_not(None))
        .options(selectinload(Annotation.creator)).order_by(Annotation.id)).all()
    by_id = {r.id: r for r in replies}
    children = {}
    for reply in replies:
        children.setdefault(reply.reply_to_id, []).append(reply)
    threads = {}
    for note_id in children.keys() - by_id.keys():  # parents that are notes
        thread = threads[note_id] = []
        stack = [(reply, 1, None) for reply in reversed(children[note_id])]
        while stack:
            reply, depth, answers = stack.pop()
            live = reply.deleted_at is None
            if live:
                thread.append(Comment(reply, depth, answers))
            below = (depth + 1, reply) if live else (depth, answers)
            stack.extend((child, *below) for child in reversed(children.get(reply.id, [])))
    return {note_id: thread for note_id, thread in threads.items() if thread}


def mentions_query(user):
    """The live comments that mention ``user``, newest first (a SELECT)."""
    return (select(Annotation).join(Mention, Mention.annotation_id == Annotation.id)
            .where(Mention.user_id == user.id, Annotation.deleted_at.is_(None))
            .order_by(Annotation.created_at.desc(), Annotation.id.desc()))


def mentions_of(user, limit=100):
    """Return the live comments that mention ``user``, newest first, with their documents."""
    return db.session.scalars(
        mentions_query(user)
        .options(selectinload(Annotation.document), selectinload(Annotation.creator))
        .limit(limit)).all()
