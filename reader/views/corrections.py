"""Corrections in the open: every correction, clarification and withdrawal, as a page and
an Atom feed, newest first."""

from flask import Blueprint, abort, make_response, render_template, request, url_for

from ..config import MAX_ID
from ..services.corrections import PageTooDeepError, corrections_page, latest_entry_time
from ..w3c import isoformat
from . import base_url
from .caching import is_modified, not_modified, reader_page, respond, weak_etag

bp = Blueprint("corrections", __name__)

PAGE_SIZE = 30  # entries on one page of /corrections
FEED_SIZE = 50  # entries in the feed
MAX_PAGE = 100_000  # past any page there can be: no offset scan that far


def _page_number():
    """The ``?page=N`` asked for (from 1); 404 for anything else."""
    raw = request.args.get("page", "1")
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 6 or not 0 < int(raw) <= MAX_PAGE:
        abort(404)
    return int(raw)


def _entry_id(name):
    """The entry (a revision id) ``?before=`` or ``?after=`` names, None without; 404 for junk."""
    raw = request.args.get(name)
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 10 or not 0 < int(raw) <= MAX_ID:
        abort(404)
    return int(raw)


@bp.get("/corrections")
def index():
    """Every correction, clarification and withdrawal of a published note, newest first, paged.

    The pager's links seek from the entry at the edge of the page (``?page=N&before=ID``,
    ``&after=ID``): any page costs what the first does. ``?page=N`` alone (an address
    kept from before the links carried the entry, or typed) is found by skipping the
    pages before it up to page 34; a deeper one, or one whose entry is gone, is a 404
    page that says so and leads to the first page and its Older links, rather than a
    page that reads every entry before it. 404 as for any page this list cannot show:
    a search engine drops the address, and keeps the pager's.
    """
    number = _page_number()
    before, after = _entry_id("before"), _entry_id("after")
    if before and after:
        abort(404)
    try:
        entries, older, newer = corrections_page(number, PAGE_SIZE, before=before, after=after)
    except PageTooDeepError as exc:
        return render_template("corrections/too_deep.html", number=exc.number,
                               deepest=exc.deepest, gone=exc.gone), 404
    if (number > 1 or before or after) and not entries:
        abort(404)
    html = render_template("corrections/index.html", entries=entries, number=number,
                           older=older, newer=newer and number > 1)
    return _conditional(make_response(html), entries)


@bp.get("/corrections.atom")
def feed():
    """The same entries as an Atom feed (the newest FEED_SIZE)."""
    entries, _, _ = corrections_page(1, FEED_SIZE)
    base = base_url()
    xml = render_template("corrections/feed.xml", entries=entries, base=base,
                          updated=latest_entry_time(), atom_time=_atom_time,
                          feed_url=url_for("corrections.feed", _external=True),
                          page_url=url_for("corrections.index", _external=True))
    response = make_response(xml)
    response.mimetype = "application/atom+xml"
    return _conditional(response, entries)


def _atom_time(moment):
    """RFC 3339 in UTC; a feed with no entry yet is as old as can be."""
    return isoformat(moment) if moment is not None else "1970-01-01T00:00:00Z"


def _conditional(response, entries):
    """Give a reader's answer an ETag from its body and, as Last-Modified, the latest change
    to what it shows (the entries, their notes and documents): caching.py's validators.

    The body is one bounded page, so hashing it costs what rendering it did; the ETag
    moves with anything shown (a new entry, a document's new title). Editors' pages
    (their name in the header) and pages with a flash message are never kept.
    """
    if not reader_page():
        return respond(response, None, private=True)
    moments = [moment for c in entries for moment in (
        c["at"], c["revision"].annotation.modified_at, c["revision"].annotation.document.modified_at)]
    validators = (weak_etag(response.get_data(as_text=True)), max(moments, default=None))
    if not is_modified(validators):
        return not_modified(validators)
    return respond(response, validators)
