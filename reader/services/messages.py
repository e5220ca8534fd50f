"""Readers' messages to the editors: receive, sort (accept, reject, spam), answer in public.

A message is plain text and stays with the editors. Readers see nothing of it unless an
editor accepts it and publishes a reply under a published note; the reader's own words
go with the reply only when the editor chooses so.
"""

import hashlib
import hmac
import ipaddress
import re
from datetime import UTC, datetime

from sqlalchemy import case, func, select, update

from ..extensions import db
from ..models import Annotation, ContentVersion, ReaderMessage, utcnow
from . import ValidationError
from .users import record

KINDS = ("correction", "check")
KIND_LABELS = {"correction": "Suggest a correction", "check": "Ask us to check this"}
KIND_NAMES = {"correction": "Correction", "check": "Please check"}  # in the inbox
STATUSES = ("pending", "accepted", "rejected", "spam")
STATUS_NAMES = {"pending": "Pending", "accepted": "Accepted", "rejected": "Rejected",
                "spam": "Spam"}
DECISIONS = {"accept": "accepted", "reject": "rejected", "spam": "spam", "reopen": "pending"}
MAX_MESSAGE = 2_000  # characters of a reader's message
MAX_EMAIL = 254
MAX_QUOTE = 1_000  # code points of selected words kept with a message
MAX_REPLY = 5_000  # characters of the editors' reply (Markdown)
NOTES_TO_CHOOSE = 20  # notes over a message's words offered for the reply
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+$")


def address_hash(address, secret):
    """Return a keyed hash of a reader's address: what limits count and messages keep.

    An IPv6 address counts by its /64 network, which one subscriber usually holds
    whole. Keyed with the app's secret, so the hash cannot be turned back into the
    address by trying every one.
    """
    try:
        ip = ipaddress.ip_address(address)
        if ip.version == 6 and ip.ipv4_mapped is None:
            address = str(ipaddress.ip_network(f"{ip}/64", strict=False))
        elif ip.version == 6:
            address = str(ip.ipv4_mapped)
    except ValueError:
        pass
    return hmac.new(secret.encode(), address.encode(), hashlib.sha256).hexdigest()


def note_for_message(document, annotation_id):
    """Return the published note ``annotation_id`` of ``document`` a reader may write about, or None."""
    if annotation_id is None:
        return None
    note = db.session.get(Annotation, annotation_id)
    if (note is None or note.document_id != document.id or not note.visible or note.is_reply
            or note.orphan):
        return None
    return note


def selection(document, start, end, exact):
    """Return ``(exact, start, end)`` of the words a reader selected, checked against the text.

    ``start``/``end`` are code points; ``exact`` is what the reader's page said is there
    (possibly cut short). Positions that do not hold those words are looked up by the
    words (a revision may have moved them); words not found keep no position. Returns
    ``("", None, None)`` when nothing usable was sent.
    """
    text = document.text
    exact = (exact or "").strip()[:MAX_QUOTE]
    if start is not None and end is not None and 0 <= start < end <= len(text):
        found = text[start:end]
        if not exact or found.startswith(exact) or found.strip() == exact:
            return found[:MAX_QUOTE], start, end
    if not exact:
        return "", None, None
    at = text.find(exact)
    if at >= 0 and text.find(exact, at + 1) < 0:
        return exact, at, at + len(exact)
    return exact, None, None


def _problems(kind, message, email):
    errors = {}
    if kind not in KINDS:
        errors["kind"] = "Choose what you are asking for."
    if not message.strip():
        errors["message"] = "Write a few words: what should we correct or check?"
    elif len(message) > MAX_MESSAGE:
        errors["message"] = f"Keep it under {MAX_MESSAGE:,} characters (this is {len(message):,})."
    if email and (len(email) > MAX_EMAIL or not EMAIL.match(email)):
        errors["email"] = "This does not look like an email address; leave it empty if you like."
    return errors


def submit_message(document, kind, message, email="", note=None, words=("", None, None),
                   address="", spam=False):
    """Store a reader's message; return it. Raise ValidationError for bad input.

    ``words`` is ``selection()``'s answer; ``spam`` stores it straight as spam (a
    filled honeypot): the sender is told nothing different.
    """
    message = (message or "").replace("\r\n", "\n").strip()
    email = (email or "").strip()
    errors = _problems(kind, message, email)
    if errors:
        raise ValidationError(errors)
    exact, start, end = words
    if note is not None and not exact:
        exact = note.exact[:MAX_QUOTE]
    found = ReaderMessage(kind=kind, message=message, email=email, document=document,
                          annotation=note, exact=exact or "", start=start, end=end,
                          status="spam" if spam else "pending", address_hash=address)
    db.session.add(found)
    return found


def _bump_readers_pages():
    """Readers' pages changed (a reply shown or taken away): kept copies must go (pagecache.py)."""
    db.session.execute(update(ContentVersion).values(version=ContentVersion.version + 1))


def _where(message):
    return f"message {message.id} on {message.document.slug}" + (
        f", note {message.annotation_id}" if message.annotation_id else "")


def decide(message, decision, user):
    """Accept, reject, mark as spam or reopen a message; a reply leaves readers' view
    unless the message stays accepted. Raise ValidationError for an unknown decision."""
    status = DECISIONS.get(decision)
    if status is None:
        raise ValidationError({"decision": "Choose accept, reject, spam or reopen."})
    if message.status == status:
        return message
    message.status = status
    message.decided_at = utcnow()
    message.decided_by = user
    if status != "accepted" and message.reply_public:
        message.reply_public = False
        message.replied_at = datetime.now(UTC)
        _bump_readers_pages()
    record(user, f"reader message {status}", detail=_where(message))
    return message


def notes_over(message):
    """The published notes a reply to ``message`` may go under: its own note, else the
    notes over its words, in text order (at most NOTES_TO_CHOOSE)."""
    if message.annotation_id is not None:
        note = note_for_message(message.document, message.annotation_id)
        return [note] if note else []
    if message.start is None:
        return []
    return db.session.scalars(
        select(Annotation).where(
            Annotation.document_id == message.document_id, Annotation.status == "published",
            Annotation.deleted_at.is_(None), Annotation.reply_to_id.is_(None),
            Annotation.orphan.is_(False), Annotation.start < message.end,
            Annotation.end > message.start)
        .order_by(Annotation.start, Annotation.id).limit(NOTES_TO_CHOOSE)).all()


def publish_reply(message, reply, note_id, shows_message, user):
    """Publish (or change) the editors' reply to an accepted message under a published note.

    Raise ValidationError when the message is not accepted, the reply is empty or too
    long, or the note is not one of ``notes_over(message)``.
    """
    errors = {}
    reply = (reply or "").replace("\r\n", "\n").strip()
    if message.status != "accepted":
        errors["reply"] = "Accept the message before you reply to it."
    elif not reply:
        errors["reply"] = "Write the reply readers will see."
    elif len(reply) > MAX_REPLY:
        errors["reply"] = f"Keep the reply under {MAX_REPLY:,} characters (this is {len(reply):,})."
    note = next((n for n in notes_over(message) if n.id == note_id), None)
    if note is None:
        errors["note"] = "Choose the published note the reply goes under."
    if errors:
        raise ValidationError(errors)
    message.reply = reply
    message.annotation = note
    message.reply_shows_message = bool(shows_message)
    message.reply_public = True
    message.replied_at = datetime.now(UTC)  # to the microsecond: readers' ETags move with it
    message.replied_by = user
    _bump_readers_pages()
    record(user, "reader message replied", detail=_where(message))
    return message


def withdraw_reply(message, user):
    """Take a published reply out of readers' view (it is kept for the editors)."""
    if not message.reply_public:
        return message
    message.reply_public = False
    message.replied_at = datetime.now(UTC)
    _bump_readers_pages()
    record(user, "reader message reply withdrawn", detail=_where(message))
    return message


def inbox_query(status):
    """The messages of one status, newest first (paged by the caller, in SQL)."""
    return (select(ReaderMessage).where(ReaderMessage.status == status)
            .order_by(ReaderMessage.created_at.desc(), ReaderMessage.id.desc()))


def inbox_counts():
    """Return ``{status: count}`` for every status, in one query."""
    counts = dict.fromkeys(STATUSES, 0)
    counts.update(db.session.execute(select(ReaderMessage.status, func.count())
                                     .group_by(ReaderMessage.status)).all())
    return counts


def _public(document_id):
    # replied_at first: the index (document, replied_at) skips every unanswered message
    return (ReaderMessage.document_id == document_id, ReaderMessage.replied_at.is_not(None),
            ReaderMessage.reply_public.is_(True),
            ReaderMessage.status == "accepted", ReaderMessage.annotation_id.is_not(None))


def public_replies(document):
    """Return ``{note id: [message]}``: the published replies under the notes of ``document``,
    oldest first, in one query (the caller shows them only under notes readers see)."""
    found = {}
    for message in db.session.scalars(select(ReaderMessage).where(*_public(document.id))
                                      .order_by(ReaderMessage.replied_at, ReaderMessage.id)):
        found.setdefault(message.annotation_id, []).append(message)
    return found


def replies_state(document):
    """Return ``(count, latest change)`` of the published replies on ``document``: part of
    what its readers' page's ETag is made of. A withdrawn reply's change counts too."""
    shown = case((ReaderMessage.reply_public.is_(True), 1), else_=0)
    return db.session.execute(
        select(func.coalesce(func.sum(shown), 0), func.max(ReaderMessage.replied_at))
        .where(ReaderMessage.document_id == document.id,
               ReaderMessage.replied_at.is_not(None))).one()
