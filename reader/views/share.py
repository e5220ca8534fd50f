"""Sharing and embedding: a note's share page, a document for an iframe, their oEmbed answer."""

from flask import (
    Blueprint, abort, current_app, jsonify, render_template, request, url_for,
)
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..config import KIND_LABELS, VERDICT_LABELS
from ..extensions import db
from ..models import Annotation, Document
from ..serving import allow_framing
from ..sharing import (
    TITLE_LIMIT, TWITTER_LIMIT, card_text, embed_size, iframe_html, oembed_target, plain_text,
    shorten,
)
from ..text.canonical import has_title_line
from . import is_editor
from .api import own_hosts
from .parts import document_parts, page_annotations
from .caching import is_modified, not_modified, page_etag, page_validators, reader_page, respond

bp = Blueprint("share", __name__)

PROVIDER = "Annotated Reader"
OEMBED_CACHE_AGE = 3600  # seconds a consumer may keep an answer: titles rarely change


def _shared_note(annotation_id):
    """Return the published note readers can see in its place, or None.

    Drafts, notes awaiting review, deleted notes, editors' replies and orphans (whose
    words left the text, so readers do not see them) have no share page.
    """
    return db.session.scalars(
        select(Annotation).where(
            Annotation.id == annotation_id, Annotation.status == "published",
            Annotation.deleted_at.is_(None), Annotation.reply_to_id.is_(None),
            Annotation.orphan.is_(False))
        .options(selectinload(Annotation.document), selectinload(Annotation.source),
                 selectinload(Annotation.creator))).first()


@bp.get("/a/<id:annotation_id>")
def note(annotation_id):
    """A published note's share page: its words, the note, the document, and a way to it.

    Link previews (OpenGraph, Twitter cards) read the metadata of this page; readers
    get a real page with the note and a prominent link to read it in place.
    """
    annotation = _shared_note(annotation_id) or abort(404)
    document = annotation.document
    validators = _note_validators(annotation)
    if validators and not is_modified(validators):
        return not_modified(validators)
    note_text = plain_text(annotation.html)
    verdict = VERDICT_LABELS.get(annotation.verdict) if annotation.verdict else None
    quote = annotation.exact if annotation.start is not None else ""
    share_url = url_for("share.note", annotation_id=annotation.id, _external=True)
    card = {
        "title": shorten(document.title, TITLE_LIMIT),
        "description": card_text(quote, note_text, verdict),
        "twitter_description": card_text(quote, note_text, verdict, limit=TWITTER_LIMIT),
        "url": share_url,
        "oembed": url_for("share.oembed", url=share_url, format="json", _external=True),
    }
    place = url_for("public.document", slug=document.slug, _anchor=f"a-{annotation.id}")
    return respond(render_template("share/note.html", a=annotation, document=document,
                                   quote=quote, card=card, place=place,
                                   kind_label=KIND_LABELS[annotation.kind]), validators,
                   private=is_editor())


def _note_validators(annotation):
    """Return ``(etag, last_modified)`` of a note's share page, or None for an editor.

    Built from what the page shows (the note, its document's details, its source, its
    author's name) and the code: no query, however many notes the document has.
    """
    if not reader_page():
        return None
    document, source = annotation.document, annotation.source
    author = annotation.byline
    etag = page_etag(
        annotation.version, annotation.modified_at, document.revision, document.modified_at,
        document.title, document.outlet, document.author, document.published_on, author,
        source.modified_at if source else None)
    times = [t for t in (annotation.modified_at, document.modified_at,
                         source.modified_at if source else None) if t is not None]
    return etag, max(times)


@bp.get("/docs/<slug>/embed")
def embed(slug):
    """A document with its published notes, for an iframe on a publisher's page.

    The same text, marks and notes as the document page, with compact chrome; links
    open in a new tab. Only the origins of the EMBED_ANCESTORS setting may frame it.
    Always the readers' view: a signed-in editor sees what the publisher's readers see.
    """
    document = db.session.scalars(select(Document).filter_by(slug=slug)).first() or abort(404)
    ancestors = current_app.config["EMBED_ANCESTORS"]
    validators = page_validators(document)
    if validators and not is_modified(validators):
        return allow_framing(not_modified(validators), ancestors)
    annotations = page_annotations(document, editor=False)
    parts = document_parts(document, editor=False, annotations=annotations)
    html = render_template("share/embed.html", document=document,
                           title_in_text=has_title_line(document.text, document.title), **parts)
    return allow_framing(respond(html, validators, private=is_editor()), ancestors)


@bp.get("/oembed")
def oembed():
    """The oEmbed answer (https://oembed.com) for a document or a note URL of this site.

    ``url`` a document page, its permalink ``#a-ID``, its ``/embed`` or a share page
    ``/a/<ID>``; ``maxwidth``/``maxheight`` bound the frame. 404 for a URL that is not
    one of ours or names nothing a reader may see, 501 for a format other than json.
    """
    if request.args.get("format", "json") != "json":
        return _error(501, "only format=json is offered")
    url = request.args.get("url", "")
    if not url:
        return _error(400, "url is required: the address of a document or a note")
    try:
        width, height = embed_size(request.args.get("maxwidth"), request.args.get("maxheight"))
    except ValueError as exc:
        return _error(400, str(exc))
    target = oembed_target(url, own_hosts())
    if target is None:
        return _error(404, "not a document or a note of this site")
    annotation = _shared_note(target.annotation_id) if target.annotation_id else None
    if target.annotation_id and (annotation is None or target.slug not in (
            None, annotation.document.slug)):
        return _error(404, "no such published note")
    document = annotation.document if annotation else db.session.scalars(
        select(Document).filter_by(slug=target.slug)).first()
    if document is None:
        return _error(404, "no such document")
    anchor = f"a-{annotation.id}" if annotation else None
    src = url_for("share.embed", slug=document.slug, _anchor=anchor, _external=True)
    title = shorten(document.title, TITLE_LIMIT)
    answer = {
        "version": "1.0", "type": "rich", "title": title,
        "provider_name": PROVIDER, "provider_url": url_for("public.index", _external=True),
        "html": str(iframe_html(src, width, height, title)), "width": width, "height": height,
        "cache_age": OEMBED_CACHE_AGE,
    }
    if document.author:
        answer["author_name"] = document.author
    response = jsonify(answer)
    response.headers["Cache-Control"] = f"public, max-age={OEMBED_CACHE_AGE}"
    response.headers["Access-Control-Allow-Origin"] = "*"  # public data, no credentials
    return response


def _error(status, message):
    response = jsonify({"error": message, "status": status})
    response.status_code = status
    return response
