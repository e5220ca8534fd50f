"""Intake: files, pages fetched by URL and pasted texts become documents, originals kept.

An editor's intake is pending until confirmed (``receive``, ``receive_url``,
``receive_text``, then ``confirm``); ``import_file`` is the command line's path,
which takes the metadata as found. The same article is never added twice: a
document with the same canonical URL or the same words is found first
(``find_duplicates``), and the caller decides, or is told.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from sqlalchemy import delete, or_, select

from ..extensions import db
from ..intake import IntakeError, complete_meta, read_file, size_words
from ..intake.fetch import fetch
from ..intake.identity import text_fingerprint, url_key
from ..models import Document, Intake, utcnow
from . import ServiceError, ValidationError
from .documents import create_document, revise_text, update_metadata
from .reports import record_matches

PENDING_HOURS = 24  # an intake nobody confirmed is forgotten after this
PENDING_PER_USER = 10
REASONS = {"text": "the same text", "url": "the same canonical URL"}


@dataclass
class Match:
    """A document already in the corpus that an intake duplicates, and how."""

    document: Document
    reason: str  # "text" (same words) or "url" (same canonical URL)

    @property
    def words(self):
        return REASONS[self.reason]


class DuplicateError(ServiceError):
    """The article is in the corpus already; ``matches`` says as which documents."""

    def __init__(self, matches):
        self.matches = list(matches)
        first = self.matches[0]
        super().__init__(f"already in the corpus as {first.document.slug} ({first.words})")


def receive(name, raw, user, *, max_bytes, url="", media_type="", charset=""):
    """Read an uploaded or fetched file into a pending Intake; raise IntakeError if it cannot be one."""
    if len(raw) > max_bytes:
        raise IntakeError(f"the file is {size_words(len(raw))}, larger than the limit of "
                          f"{size_words(max_bytes)}")
    found = read_file(name, raw, media_type=media_type, charset=charset, url=url)
    intake = Intake(
        token=secrets.token_urlsafe(32), user=user, kind=found.kind, media_type=found.media_type,
        charset=found.charset, filename=(name or "")[:255], url=url[:2000],
        sha256=hashlib.sha256(raw).hexdigest(), size=len(raw),
        content=raw if found.keeps_original else None, text=found.text, found=found.meta)
    _forget_stale(user)
    db.session.add(intake)
    db.session.flush()
    return intake


def receive_text(text, user):
    """Take pasted text into a pending Intake (the text is canonicalised; nothing else kept)."""
    return receive("pasted text", text.encode("utf-8"), user, max_bytes=len(text) * 4 + 1,
                   media_type="text/plain")


def receive_url(url, user, config):
    """Fetch ``url`` as the settings allow and read it into a pending Intake; raise IntakeError."""
    fetched = fetch(url, allowed_hosts=config["FETCH_ALLOWED_HOSTS"],
                    timeout=config["FETCH_TIMEOUT"], max_bytes=config["INTAKE_MAX_BYTES"],
                    max_redirects=config["FETCH_MAX_REDIRECTS"])
    name = unquote(PurePosixPath(urlsplit(fetched.url).path).name) or urlsplit(fetched.url).hostname
    return receive(name, fetched.body, user, max_bytes=config["INTAKE_MAX_BYTES"],
                   url=fetched.url, media_type=fetched.media_type, charset=fetched.charset)


def _forget_stale(user):
    """Delete pending intakes older than PENDING_HOURS, and the user's beyond PENDING_PER_USER."""
    db.session.execute(delete(Intake).where(
        Intake.token.is_not(None), Intake.created_at < utcnow() - timedelta(hours=PENDING_HOURS)))
    if user is not None:
        kept = select(Intake.id).where(Intake.token.is_not(None), Intake.user_id == user.id) \
            .order_by(Intake.id.desc()).limit(PENDING_PER_USER - 1)
        db.session.execute(delete(Intake).where(
            Intake.token.is_not(None), Intake.user_id == user.id, Intake.id.not_in(kept)))


def pending(token):
    """Return the pending intake ``token`` (any editor's: the desk is shared), or None."""
    if not token:
        return None
    return db.session.scalars(select(Intake).where(Intake.token == token)).first()


def find_duplicates(text, urls=()):
    """Return a Match for each document with the words of ``text`` or one of ``urls``.

    Both are indexed keys (intake/identity.py), so this is one lookup whatever the
    corpus's size. Same-text matches come first.
    """
    keys = {url_key(url) for url in urls} - {None}
    fingerprint = text_fingerprint(text)
    condition = Document.text_hash == fingerprint
    if keys:
        condition = or_(condition, Document.url_key.in_(keys))
    documents = db.session.scalars(select(Document).where(condition).order_by(Document.id)).all()
    matches = [Match(d, "text" if d.text_hash == fingerprint else "url") for d in documents]
    return sorted(matches, key=lambda m: m.reason != "text")


def intake_duplicates(intake, meta=None):
    """Return the Matches of a pending intake, by its text and every URL it is known by."""
    urls = [intake.url, (intake.found or {}).get("source_url"), (meta or {}).get("source_url")]
    return find_duplicates(intake.text, [u for u in urls if u])


def confirm(intake, meta, user, *, revise=None, separate=False):
    """Make a pending intake a document with the confirmed ``meta``; return ``(document, action)``.

    ``revise``: the id of a document it duplicates, to become that document's new
    revision (its notes re-anchored, its details replaced by ``meta``). ``separate``:
    add it although a document has the same canonical URL (never one with the same
    words). Otherwise a duplicate raises DuplicateError, and nothing changes.
    """
    matches = intake_duplicates(intake, meta)
    if revise is not None:
        target = next((m for m in matches if m.document.id == revise), None)
        if target is None:
            raise ValidationError({"revise": "that document is not the same article"})
        if target.document.text == intake.text:
            raise DuplicateError([target])
        document = target.document
        revise_text(document, intake.text, user, note=_revision_note(intake))
        update_metadata(document, meta)
        action = "revised"
    else:
        if matches and (not separate or any(m.reason == "text" for m in matches)):
            raise DuplicateError(matches)
        document = create_document(intake.text, meta, user=user)
        action = "created"
    _keep(intake, document)
    record_matches([document])
    return document, action


def _revision_note(intake):
    return f"new version from {intake.url or intake.filename}"[:300]


def _keep(intake, document):
    """Attach the intake to its document as the archived original, or drop it if it has none."""
    if intake.kind == "text":
        db.session.delete(intake)
        return
    intake.document = document
    intake.revision = document.revision
    intake.token = None
    intake.text = ""
    intake.saved_at = utcnow()


def discard(intake):
    """Forget a pending intake."""
    db.session.delete(intake)


def latest_original(document):
    """Return the newest archived original of ``document`` (content not loaded), or None."""
    return db.session.scalars(
        select(Intake).where(Intake.document_id == document.id, Intake.token.is_(None))
        .order_by(Intake.id.desc()).limit(1)).first()


@dataclass
class FileResult:
    """What ``import_file`` did: created, revised, unchanged or skipped, and why."""

    document: Document | None
    action: str
    detail: str = ""


def import_file(name, raw, user=None, *, max_bytes, metadata=None, revise=False):
    """Import one file from the command line: metadata as found (``metadata`` overrides it).

    A file name imported before is that document again (a changed text is a new
    revision). A new name whose article is in the corpus already is left alone
    ("unchanged" for the same words, "skipped" for the same canonical URL) unless
    ``revise``, which makes it that document's new revision. Raises IntakeError.
    """
    if len(raw) > max_bytes:
        raise IntakeError(f"the file is {size_words(len(raw))}, larger than the limit of "
                          f"{size_words(max_bytes)}")
    found = read_file(name, raw)
    meta = {**found.meta, **{k: v for k, v in (metadata or {}).items() if v}}
    document = db.session.scalars(select(Document).filter_by(source_file=name)).first()
    if document is None:
        matches = find_duplicates(found.text, [meta.get("source_url")])
        if matches and matches[0].reason == "text":
            return FileResult(matches[0].document, "unchanged",
                              f"the same text as {matches[0].document.slug}")
        if matches and not revise:
            return FileResult(matches[0].document, "skipped",
                              f"already in the corpus as {matches[0].document.slug} "
                              f"(the same canonical URL); --revise adds it as a new revision")
        if not matches:
            document = create_document(found.text, _creation_meta(meta), source_file=name,
                                       user=user, slug=(metadata or {}).get("slug"))
            _archive(document, found, name, raw, user)
            return FileResult(document, "created")
        document = matches[0].document
    if document.text == found.text:
        return FileResult(document, "unchanged")
    revise_text(document, found.text, user, note=f"re-imported from {name}")
    _archive(document, found, name, raw, user)
    return FileResult(document, "revised")


def _creation_meta(meta):
    fields = complete_meta(meta)
    fields["original_outlet"] = meta.get("original_outlet", "")
    return fields


def _archive(document, found, name, raw, user):
    """Keep the original of a page or PDF with the document revision it became."""
    if not found.keeps_original:
        return
    db.session.add(Intake(
        user=user, document=document, revision=document.revision, kind=found.kind,
        media_type=found.media_type, charset=found.charset, filename=name[:255],
        sha256=hashlib.sha256(raw).hexdigest(), size=len(raw), content=raw, found=found.meta,
        saved_at=utcnow()))
