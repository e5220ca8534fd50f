"""Conditional GET for readers' pages: their ETag and Last-Modified, 304s, Cache-Control.

Used by the pages anonymous readers share with every cache (public.py, share.py). A
page marked here is one the page cache may keep (pagecache.py); an editor's page, which
shows drafts, is marked never to be kept anywhere.
"""

import hashlib
from pathlib import Path

from flask import make_response, request, session
from sqlalchemy import func, select
from werkzeug.http import is_resource_modified

from ..catalog import corpus_state
from ..extensions import db
from ..models import Annotation, Source
from ..services.messages import replies_state
from ..services.reports import reports_state
from . import is_editor

_CODE_VERSION = []
CODE_SUFFIXES = {".py", ".html", ".js", ".css", ".svg"}


def code_version():
    """A token that changes when the app's files do (a deploy), computed once per process."""
    if not _CODE_VERSION:
        _CODE_VERSION.append(code_digest(Path(__file__).resolve().parents[1]))
    return _CODE_VERSION[0]


def code_digest(root):
    """Return a short digest of the names and contents of the code files under ``root``.

    Contents, not modification times: servers deployed from separate copies of the same
    code give a page the same ETag, so a reader moved between them keeps their 304s.
    """
    digest = hashlib.sha1()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in CODE_SUFFIXES
                       and "__pycache__" not in p.parts):
        digest.update(f"{path.relative_to(root).as_posix()}\0{path.stat().st_size}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def page_validators(document=None):
    """Return ``(etag, last_modified)`` of a reader's page, or None where none applies.

    Built from what readers see, and nothing else, so an editor's work on drafts
    never moves them. A document's page: the document (text revision, metadata, when
    a published note last left), its published notes (count, latest change, versions,
    newest id), the sources they cite (count, latest change). The corpus's pages (the
    index, the stats): the corpus row of the kept counts (counts.py), which moves with
    every write they show, read in one step whatever the corpus's size. Both with the
    query string and the code. Signed-in editors and sessions with a pending flash
    message get no validators.
    """
    if not reader_page():
        return None
    if document is None:
        changes, changed_at = corpus_state()
        return page_etag(changes, changed_at), changed_at
    published = (Annotation.status == "published", Annotation.deleted_at.is_(None),
                 Annotation.document_id == document.id)
    notes = select(func.count(Annotation.id), func.max(Annotation.modified_at),
                   func.coalesce(func.sum(Annotation.version), 0),
                   func.max(Annotation.id)).where(*published)
    cited = (select(func.count(func.distinct(Source.id)), func.max(Source.modified_at))
             .join(Annotation, Annotation.source_id == Source.id).where(*published))
    n_notes, notes_at, versions, top_note = db.session.execute(notes).one()
    n_sources, sources_at = db.session.execute(cited).one()
    # the editors' replies to readers, shown under the notes of a document's page
    n_replies, replies_at = replies_state(document)
    times = [t for t in (notes_at, document.modified_at, document.withdrawn_at, sources_at,
                         replies_at) if t is not None]
    etag = page_etag(n_notes, notes_at, versions, top_note, 1, document.modified_at,
                     document.withdrawn_at, document.revision, document.id, n_sources,
                     sources_at, reports_state(document), n_replies, replies_at)
    return etag, max(times) if times else None


def reader_page():
    """True when this request's page is a reader's, the same for everyone: no editor signed
    in, no flash message waiting."""
    return not (is_editor() or session.get("_flashes"))


def page_etag(*state):
    """Return a weak ETag for this request's page (path, query string, code) in ``state``."""
    parts = (request.path, request.query_string.decode("latin-1"), code_version(), *state)
    return weak_etag("|".join(str(part) for part in parts))


def weak_etag(text):
    """Return a weak ETag naming ``text`` (a digest of it)."""
    return 'W/"' + hashlib.sha1(text.encode()).hexdigest()[:20] + '"'


def is_modified(validators):
    """False when the request's If-None-Match or If-Modified-Since still holds."""
    etag, last_modified = validators
    return is_resource_modified(request.environ, etag=etag, last_modified=last_modified)


def not_modified(validators):
    """Return a 304 with the page's validators."""
    return _headers(make_response("", 304), validators)


def respond(html, validators, private=False):
    """Return the page, with its validators (a reader's page any cache may keep, asking each
    time) or, when ``private`` (an editor's page: it shows drafts), kept by no cache."""
    response = make_response(html)
    if validators:
        return _headers(response, validators)
    if private:
        response.headers["Cache-Control"] = "private, no-store"
    return response


def _headers(response, validators):
    etag, last_modified = validators
    request.environ["reader.cacheable"] = True  # an anonymous reader's page: pagecache.py
    response.headers["ETag"] = etag
    if last_modified is not None:
        response.last_modified = last_modified
    response.headers["Cache-Control"] = "no-cache"  # keep it, but ask each time
    response.vary.add("Cookie")
    return response
