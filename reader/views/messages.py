"""Readers write to the editors (a form per document, no account) and the editors' inbox."""

from flask import (
    Blueprint, abort, current_app, flash, redirect, render_template, request, url_for,
)
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, load_only
from wtforms.fields.choices import SelectChoice

from ..extensions import db, limiter
from ..forms import ActionForm, MessageForm, ReplyForm
from ..models import Annotation, Document, ReaderMessage
from ..services import ValidationError
from ..services.messages import (
    KIND_LABELS, KIND_NAMES, STATUS_NAMES, STATUSES, address_hash, decide, inbox_counts,
    inbox_query, note_for_message, notes_over, publish_reply, selection, submit_message,
    withdraw_reply,
)
from ..throttle import MessageLimit
from . import editor_required, form_errors, local_path

bp = Blueprint("messages", __name__)

PAGE_SIZE = 25
MAX_PAGE = 1_000


def _document(slug):
    return db.session.scalars(select(Document).filter_by(slug=slug)
                              .options(load_only(Document.id, Document.slug, Document.title,
                                                 Document.text))).first() or abort(404)


def _number(value):
    """Return ``value`` as a non-negative int small enough for SQL, or None."""
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


def _form_page(document, form, status=200, headers=None):
    note = note_for_message(document, _number(form.annotation.data))
    words = selection(document, _number(form.start.data), _number(form.end.data),
                      form.exact.data) if not note else ("", None, None)
    form.exact.data = words[0]
    form.start.data = "" if words[1] is None else str(words[1])
    form.end.data = "" if words[2] is None else str(words[2])
    if note is None:
        form.annotation.data = ""
    return render_template("messages/new.html", document=document, form=form, note=note,
                           quote=words[0]), status, headers or {}


@bp.get("/docs/<slug>/messages/new")
def new(slug):
    """The form: about a note (``?annotation=ID``) or words (``?start=&end=&exact=``)."""
    document = _document(slug)
    kind = request.args.get("kind")
    form = MessageForm(formdata=None, kind=kind if kind in KIND_LABELS else "correction",
                       annotation=request.args.get("annotation", "")[:20],
                       start=request.args.get("start", "")[:20],
                       end=request.args.get("end", "")[:20],
                       exact=request.args.get("exact", "")[:4000])
    return _form_page(document, form)


def _limit():
    """The readers' message limit on the rate limiter's storage, or None when limits are off."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return None
    return MessageLimit(limiter.storage, current_app.config["MESSAGE_RATE_LIMIT"])


@bp.post("/docs/<slug>/messages")
def create(slug):
    """Receive a reader's message; a filled honeypot is kept as spam (or dropped past the limit)
    and answered like any other."""
    document = _document(slug)
    form = MessageForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            form.form_errors.append("The form had expired. Your message is still here: "
                                    "please send it again.")
            return _form_page(document, form, 400)
        return _form_page(document, form, 422)
    address = address_hash(request.remote_addr or "", current_app.config["SECRET_KEY"])
    robot = bool(form.website.data)
    limit = _limit()
    wait = limit.hit(address) if limit else 0
    if wait and robot:
        return redirect(url_for("messages.thanks", slug=document.slug))
    if wait:
        minutes = max(1, round(wait / 60))
        form.form_errors.append(
            "You have sent several messages in a short time. Your message is still here: "
            f"please send it again in {minutes} minute{'s' if minutes != 1 else ''}.")
        return _form_page(document, form, 429, {"Retry-After": str(wait)})
    note = note_for_message(document, _number(form.annotation.data))
    words = ("", None, None) if note else selection(
        document, _number(form.start.data), _number(form.end.data), form.exact.data)
    try:
        submit_message(document, form.kind.data, form.message.data, form.email.data, note=note,
                       words=words, address=address, spam=robot)
    except ValidationError as exc:
        db.session.rollback()
        form_errors(form, exc)
        return _form_page(document, form, 422)
    db.session.commit()
    return redirect(url_for("messages.thanks", slug=document.slug,
                            annotation=note.id if note else None))


@bp.get("/docs/<slug>/messages/thanks")
def thanks(slug):
    """Thank the reader and say what happens next."""
    document = _document(slug)
    note = note_for_message(document, _number(request.args.get("annotation")))
    return render_template("messages/thanks.html", document=document, note=note)


# --- the editors' inbox ---------------------------------------------------------------


def _inbox(status, page, reply_forms=None, code=200):
    counts = inbox_counts()
    rows = db.session.scalars(
        inbox_query(status).options(
            joinedload(ReaderMessage.document).options(
                load_only(Document.id, Document.slug, Document.title)),
            joinedload(ReaderMessage.annotation).options(
                load_only(Annotation.id, Annotation.kind, Annotation.exact,
                          Annotation.body_html, Annotation.status, Annotation.deleted_at)),
            joinedload(ReaderMessage.decided_by), joinedload(ReaderMessage.replied_by))
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all()
    more, rows = len(rows) > PAGE_SIZE, rows[:PAGE_SIZE]
    if page > 1 and not rows:
        abort(404)
    reply_forms = dict(reply_forms or {})
    here = request.full_path.rstrip("?")
    for message in rows:
        if message.status == "accepted" and message.id not in reply_forms:
            form = ReplyForm(formdata=None, prefix=f"m{message.id}", reply=message.reply,
                             shows_message=message.reply_shows_message,
                             note=str(message.annotation_id or ""), next=here)
            reply_forms[message.id] = form
    for message in rows:
        form = reply_forms.get(message.id)
        if form is not None:
            form.note.choices = [SelectChoice(str(n.id), f"{n.exact[:60]} (note {n.id})")
                                 for n in notes_over(message)]
    return render_template("messages/inbox.html", status=status, counts=counts, rows=rows,
                           page=page, more=more, page_size=PAGE_SIZE, reply_forms=reply_forms,
                           statuses=STATUSES, status_names=STATUS_NAMES, kind_names=KIND_NAMES,
                           action_form=ActionForm(formdata=None, next=here)), code


@bp.get("/editor/inbox")
@editor_required
def inbox():
    """Readers' messages by status (``?status=pending|accepted|rejected|spam``), paged."""
    status = request.args.get("status", "pending")
    page = request.args.get("page", 1, type=int)
    if status not in STATUSES or not 1 <= page <= MAX_PAGE:
        abort(404)
    return _inbox(status, page)


def _back(form, message):
    return local_path(form.next.data) or url_for("messages.inbox", status=message.status)


@bp.post("/editor/inbox/<id:message_id>/<any(accept, reject, spam, reopen):decision>")
@editor_required
def message_decide(message_id, decision):
    """Accept, reject, mark as spam or reopen a reader's message."""
    message = db.session.get(ReaderMessage, message_id) or abort(404)
    form = ActionForm()
    if not form.validate_on_submit():
        flash("Nothing changed: the form has expired, try again.", "error")
        return redirect(_back(form, message))
    decide(message, decision, current_user._get_current_object())
    db.session.commit()
    flash(f"Message {message.id} is now {STATUS_NAMES[message.status].lower()}.", "info")
    return redirect(_back(form, message))


@bp.post("/editor/inbox/<id:message_id>/reply")
@editor_required
def message_reply(message_id):
    """Publish (or change) the public reply to an accepted message, under a note."""
    message = db.session.get(ReaderMessage, message_id) or abort(404)
    form = ReplyForm(prefix=f"m{message.id}")
    if form.validate_on_submit():
        try:
            publish_reply(message, form.reply.data, _number(form.note.data),
                          form.shows_message.data, current_user._get_current_object())
        except ValidationError as exc:
            db.session.rollback()
            form_errors(form, exc)
        else:
            db.session.commit()
            flash("The reply is published under its note.", "info")
            return redirect(_back(form, message))
    return _inbox(message.status, _page_of(message), {message.id: form}, 422)


def _page_of(message):
    """The inbox page (of its status) that shows ``message``, so its form comes back there."""
    newer = db.session.scalar(select(func.count(ReaderMessage.id)).where(
        ReaderMessage.status == message.status,
        (ReaderMessage.created_at > message.created_at)
        | ((ReaderMessage.created_at == message.created_at) & (ReaderMessage.id > message.id))))
    return min(newer // PAGE_SIZE + 1, MAX_PAGE)


@bp.post("/editor/inbox/<id:message_id>/withdraw")
@editor_required
def message_withdraw(message_id):
    """Take a published reply out of readers' view."""
    message = db.session.get(ReaderMessage, message_id) or abort(404)
    form = ActionForm()
    if not form.validate_on_submit():
        flash("Nothing changed: the form has expired, try again.", "error")
        return redirect(_back(form, message))
    withdraw_reply(message, current_user._get_current_object())
    db.session.commit()
    flash("The reply is no longer shown to readers.", "info")
    return redirect(_back(form, message))
