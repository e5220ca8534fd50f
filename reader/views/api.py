"""W3C Web Annotation JSON: per-document collections and the annotation container."""

import json
import math

from flask import Blueprint, abort, current_app, g, jsonify, request, session, url_for
from flask_login import current_user
from sqlalchemy import String, cast, false, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..claimreview import claim_review, claim_reviews
from ..counts import BLOCK, corpus_totals, seek_published
from ..extensions import db
from ..models import Annotation, Document
from ..openapi import MAX_ID, openapi_document
from ..safejson import MAX_DEPTH
from ..services import (
    NotAllowedError, NotAwaitingReviewError, OwnChangeError, ReviewRequiredError,
    StaleVersionError, ValidationError,
)
from ..services.annotations import MAX_TAG_LENGTH, check_may_change, delete_annotation
from ..services.corrections import note_corrections
from ..services.discussion import add_reply, edit_reply
from ..services.review import (
    approve, create_note, edit_note, needs_review, override, pending_view, request_changes,
)
from ..services.interchange import (
    annotation_data, export_query, find_document, keep_orphan, kept_parts, stream_csv,
)
from ..w3c import (
    MEDIA_TYPE, W3CError, annotation_collection, annotation_iri, annotation_page,
    annotation_to_jsonld, as_container, host_of, parse_annotation, parse_correction,
)
from . import base_url, editor_required, is_editor

LDP = "http://www.w3.org/ns/ldp#"
PREFER_MINIMAL = LDP + "PreferMinimalContainer"
PREFER_IRIS = "http://www.w3.org/ns/oa#PreferContainedIRIs"
PREFER_DESCRIPTIONS = "http://www.w3.org/ns/oa#PreferContainedDescriptions"
CONTAINER_LINKS = (f'<{LDP}BasicContainer>; rel="type", '
                   '<http://www.w3.org/TR/annotation-protocol/>; '
                   f'rel="{LDP}constrainedBy"')
RESOURCE_LINKS = f'<{LDP}Resource>; rel="type"'
# what the columns hold: longer values would fail on PostgreSQL
CREATOR_NAME_LENGTH = Annotation.creator_name.type.length
VIA_LENGTH = Annotation.via.type.length
# the rows a page asked for by number alone may skip, from the nearer end, where no
# kept table finds it: the unfiltered container skips fewer than a block of them
MAX_SKIPPED = BLOCK

bp = Blueprint("api", __name__)


def _jsonld(data, status=200):
    response = jsonify(data)
    response.status_code = status
    response.mimetype = "application/ld+json"
    response.headers["Content-Type"] = MEDIA_TYPE
    if request.method in ("GET", "HEAD"):
        response.headers["Access-Control-Allow-Origin"] = "*"  # reads from any origin
    return response


# what a service's refusal of a write answers over the protocol
REFUSAL_STATUS = ((ValidationError, 422), (W3CError, 422), (OwnChangeError, 403),
                  (NotAllowedError, 403), (NotAwaitingReviewError, 409), (StaleVersionError, 412))
REFUSALS = tuple(kind for kind, _ in REFUSAL_STATUS)


def _refuse(exc):
    """Undo the write ``exc`` refused and answer with its status (raises HTTPException)."""
    db.session.rollback()
    abort(next(status for kind, status in REFUSAL_STATUS if isinstance(exc, kind)),
          description=str(exc))


@bp.after_request
def _private_for_editors(response):
    """What a signed-in editor or a token holder gets may hold drafts: no cache keeps it.

    Judged by the credentials sent (a header, a signed-in session) or a user the request
    already loaded: loading one here would reach the database even when it is down.
    """
    user = g.get("_login_user")
    if (request.headers.get("Authorization") or "_user_id" in session
            or (user is not None and user.is_authenticated)):
        response.headers["Cache-Control"] = "private, no-store"
    return response


def http_error(error):
    """Every API error as ``{"error": name, "detail": description}``."""
    response = jsonify({"error": error.name, "detail": error.description})
    response.status_code = error.code
    for name, value in (error.get_headers() or []):
        if name.lower() not in ("content-type", "content-length"):
            response.headers[name] = value
    return response


# per code, so these win over the app's HTML pages for the same codes
for _code in (400, 401, 403, 404, 405, 406, 409, 412, 413, 415, 422, 428, 429, 503):
    bp.register_error_handler(_code, http_error)


def api_error(error):
    """The JSON error for a request under /annotations/ that no view of ours answered, else None.

    A path no route matches (``/annotations/abc``) or a method none takes (405) is
    decided before the blueprint is known, so the app's own handlers ask here first.
    """
    path = request.path
    if path == "/annotations" or path.startswith("/annotations/"):
        return http_error(error)
    return None


def own_hosts():
    """Return the hosts whose document IRIs the API takes as its own.

    The request's own host, BASE_URL's, and those of the OWN_HOSTS setting (host names,
    ``host:port`` or URLs).
    """
    hosts = {host_of(request.host_url), host_of(current_app.config["BASE_URL"])}
    for entry in current_app.config.get("OWN_HOSTS") or ():
        entry = str(entry).strip()
        hosts.add(host_of(entry if "://" in entry else f"http://{entry}"))
    return hosts - {""}


def _page_number():
    raw = request.args.get("page", "0")
    if not _is_number(raw):
        abort(400, description="page must be a non-negative integer")
    digits = raw.lstrip("0") or "0"
    if len(digits) > 9:  # past any page there can be; int() refuses 4,300 digits
        abort(404)
    return int(digits)


def _is_number(raw):
    """True for ASCII digits only: ``str.isdigit`` also takes "²", which ``int`` refuses."""
    return raw.isascii() and raw.isdigit()


def _is_id(raw):
    """True for the digits of a number that can be a row id."""
    digits = raw.lstrip("0") or "0"
    return _is_number(raw) and len(digits) <= len(str(MAX_ID)) and int(digits) <= MAX_ID


def _collection(query, collection_url, label, iris=False, minimal=False, container=False,
                total=None, seek=None):
    """Return an AnnotationCollection (page 0 embedded) or, with ?page=N, AnnotationPage N.

    ``iris`` lists annotation IRIs instead of embedding them; ``minimal`` gives the
    first page as a link (the W3C protocol's container preferences); ``container``
    types the collection as the protocol's container. ``seek(offset)``, when given, says
    from which id on, skipping how many, ``query``'s row ``offset`` is found
    (counts.seek_published). The response has an ETag (304 to If-None-Match) and names
    the representation it is in Content-Location.

    Without ``seek`` (a filtered container, a document's collection) no kept table says
    where page N starts, so the pages link each other by the annotation at their edge:
    ``next`` is ``?page=N+1&after=ID`` (the last id of this page), ``prev``
    ``?page=N-1&before=ID`` (its first), and such a page reads its rows along the id
    index from there, whatever N is. ``page`` stays the page's number (its
    ``startIndex``, its place among ``first`` and ``last``); a client walking the links
    meanwhile neither misses nor repeats a note when earlier ones are deleted. ``?page=N``
    alone is found by skipping rows from the nearer end, so ``first``, ``last`` and the
    pages near them answer as before; one more than MAX_SKIPPED rows from both ends is
    refused with 400 and a message saying which numbers work and to follow the links.
    Not 404: a client counting pages up to the first 404 would take the list for ended
    and lose the rest without a word. Not a redirect to the page's keyset link: finding
    the id it starts after means reading every row before it, the very work refused.
    """
    base = base_url()
    size = current_app.config["PAGE_SIZE"]
    if total is None:
        total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    pages = max(math.ceil(total / size), 1)
    number = _page_number()
    after, before = _edge("after"), _edge("before")
    if number >= pages:
        abort(404)
    query = query.options(selectinload(Annotation.document), selectinload(Annotation.creator),
                          selectinload(Annotation.source))
    offset = number * size
    has_next, has_prev = number + 1 < pages, number > 0
    if after is not None:  # the page after the one whose last row is ``after``
        rows = db.session.scalars(query.where(Annotation.id > after).order_by(Annotation.id)
                                  .limit(size + 1)).all()
        has_next, rows = has_next and len(rows) > size, rows[:size]
    elif before is not None:  # the page before the one whose first row is ``before``
        rows = db.session.scalars(query.where(Annotation.id < before)
                                  .order_by(Annotation.id.desc()).limit(size + 1)).all()[::-1]
        has_prev, rows = has_prev and len(rows) > size, rows[-size:]
    elif (found := seek(offset) if seek and offset else None):
        first_id, skip = found  # from the page's block of ids on: less than a block skipped
        rows = db.session.scalars(query.where(Annotation.id >= first_id).order_by(Annotation.id)
                                  .offset(skip).limit(size)).all()
    else:
        count = min(size, total - offset)
        if seek is None and min(offset, total - offset - count) > MAX_SKIPPED:
            abort(400, description=_too_deep(number, total, size))
        if offset > total // 2:  # a later page is read from the end: the last one skips nothing
            rows = db.session.scalars(query.order_by(Annotation.id.desc())
                                      .offset(total - offset - count).limit(count)).all()[::-1]
        else:
            rows = db.session.scalars(query.order_by(Annotation.id).offset(offset)
                                      .limit(size)).all()
    if (after is not None or before is not None) and not rows:
        abort(404)  # nothing on that side of the edge any more
    if iris:
        items = [annotation_iri(base, a.id) for a in rows]
    else:
        items = [annotation_to_jsonld(a, base, a.document.slug, with_context=False) for a in rows]

    def page_url(n, edge=None, edge_id=None):
        url = f"{collection_url}{'&' if '?' in collection_url else '?'}page={n}"
        return f"{url}&{edge}={edge_id}" if edge else url

    # the kept positions find any page by number; otherwise the links name the edge rows
    keyset = seek is None
    page = annotation_page(
        page_url(number, *(("after", after) if after is not None else
                           ("before", before) if before is not None else ())),
        items, {"id": collection_url, "label": label, "total": total},
        start_index=offset,
        next_iri=(page_url(number + 1, "after", rows[-1].id) if keyset
                  else page_url(number + 1)) if has_next else None,
        prev_iri=(page_url(number - 1, "before", rows[0].id) if keyset and number > 1
                  else page_url(number - 1)) if has_prev else None,
        with_context="page" in request.args,
    )
    if "page" in request.args:
        response = _jsonld(page)
        response.headers["Content-Location"] = page["id"]
        return _conditional(response)
    first = page_url(0) if minimal else page
    data = annotation_collection(collection_url, label, total, first,
                                 last_iri=page_url(pages - 1))
    response = _jsonld(as_container(data) if container else data)
    response.headers["Content-Location"] = collection_url
    return _conditional(response)


def _edge(name):
    """The annotation id ``?after=`` or ``?before=`` names (a page's edge), or None.

    400 for anything but an id, for both at once, and for either without ``page``.
    """
    raw = request.args.get(name)
    if raw is None:
        return None
    if not _is_id(raw):
        abort(400, description=f"{name} must be an annotation id")
    if "page" not in request.args or ("after" in request.args and "before" in request.args):
        abort(400, description="after and before each go with page, one at a time: the "
                               "pages' next and prev links carry them")
    return int(raw.lstrip("0") or "0")


def _too_deep(number, total, size):
    """The reason a page number alone is refused: which numbers work, and what to do."""
    head = MAX_SKIPPED // size
    tail = max(0, -(-(total - MAX_SKIPPED) // size) - 1)
    return (f"page {number} is too deep to find by its number alone: this list answers "
            f"pages 0 to {head} and {tail} to {math.ceil(total / size) - 1} by "
            "number; follow the next links from first (or prev from last), which seek "
            "from the annotation at the page's edge")


def _conditional(response):
    """Give a read its ETag (from its body) and answer 304 to a matching If-None-Match."""
    response.add_etag()
    response = response.make_conditional(request)
    if response.status_code == 412:  # If-Match names another representation
        abort(412, description="the representation is not the one If-Match names")
    return response


@bp.get("/api/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of this blueprint's routes, readable from any origin."""
    # not jsonify: its sorted keys would scramble the document's reading order
    response = current_app.response_class(json.dumps(openapi_document(base_url()), indent=1),
                                          mimetype="application/json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/docs/<slug>/annotations.json")
def document_annotations(slug):
    """The document's published annotations as a W3C AnnotationCollection."""
    document = _document(slug)
    collection_url = url_for("api.document_annotations", slug=slug, _external=True)
    return _collection(export_query(document), collection_url,
                       f"Annotations on {document.title}")


@bp.get("/docs/<slug>/annotations.csv")
def document_annotations_csv(slug):
    """The document's published annotations as CSV, one row per note, for spreadsheets."""
    document = _document(slug)
    response = current_app.response_class("".join(stream_csv(base_url(), document)),
                                          mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{slug}-notes.csv"'
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/docs/<slug>/claimreview.json")
def document_claimreviews(slug):
    """The document's published fact checks as schema.org ClaimReview JSON-LD."""
    document = _document(slug)
    checks = db.session.scalars(
        export_query(document).where(Annotation.kind == "factcheck", Annotation.orphan.is_(False))
        .order_by(Annotation.start.nulls_first(), Annotation.id)
    )
    page = url_for("public.document", slug=slug, _external=True)
    corrected = note_corrections(document)  # one statement for every check of the document
    data = claim_reviews(
        claim_review(a, document, f"{page}#a-{a.id}", page, [
            (c["at"], f"{c['heading']}: {c['summary']}." + (f" Reason: {c['reason']}"
                                                             if c["reason"] else ""))
            for c in corrected.get(a.id, ())]) for a in checks)
    response = jsonify(data)
    response.mimetype = "application/ld+json"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _document(slug):
    """Return the document with this slug, or 404."""
    if "\x00" in slug:  # no slug has one, and PostgreSQL refuses NUL in a query
        abort(404)
    return db.session.scalars(select(Document).filter_by(slug=slug)).first() or abort(404)


def _filtered(query):
    """Apply the container's filters: doc (slug), kind, tag, source (id)."""
    args = request.args
    if any("\x00" in args.get(name, "") for name in ("doc", "kind", "tag")):
        abort(400, description="a filter cannot contain a NUL character")
    if args.get("doc"):
        query = query.join(Document).where(Document.slug == args["doc"])
    if args.get("kind"):
        query = query.where(Annotation.kind == args["kind"])
    if args.get("tag") and len(args["tag"]) > MAX_TAG_LENGTH:
        query = query.where(false())  # no tag is that long: no need to look
    elif args.get("tag"):
        # tags are a JSON list: match the tag as a whole JSON string inside it
        quoted = json.dumps(args["tag"])
        for char in ("\\", "%", "_"):
            quoted = quoted.replace(char, "\\" + char)
        pattern = f"%{quoted}%"
        query = query.where(cast(Annotation.tags, String).like(pattern, escape="\\"))
    if args.get("source"):
        if not _is_id(args["source"]):
            abort(400, description="source must be a source id")
        query = query.where(Annotation.source_id == int(args["source"].lstrip("0") or "0"))
    return query


@bp.get("/annotations/")
def container():
    """The W3C Annotation Protocol container: published annotations, paged and filterable.

    ``?iris=1`` (or Prefer: PreferContainedIRIs) is the representation whose pages list
    annotation IRIs; its own IRI says so, and Content-Location names it.
    """
    minimal, iris = _preferences()
    params = {k: v for k, v in request.args.items() if k in ("doc", "kind", "tag", "source")}
    if iris:
        params["iris"] = "1"
    collection_url = url_for("api.container", _external=True, **params)
    total = seek = None
    if not any(name in request.args for name in ("doc", "kind", "tag", "source")):
        corpus = corpus_totals()  # kept: counts.py
        total = corpus.published if corpus else None
        seek = seek_published  # the kept positions: any page costs what the first does
    response = _collection(_filtered(export_query()), collection_url,
                           "Annotated Reader: all annotations", iris=iris, minimal=minimal,
                           container=True, total=total, seek=seek)
    response.headers["Link"] = CONTAINER_LINKS
    response.headers["Allow"] = "GET, HEAD, OPTIONS, POST"
    response.headers["Accept-Post"] = MEDIA_TYPE
    response.headers["Vary"] = "Accept, Prefer"
    return response


def _preferences():
    """Return ``(minimal, iris)``: the container representation the client asks for.

    ``?iris=`` (0 or 1) names a representation and wins over the Prefer header.
    """
    prefer = request.headers.get("Prefer", "")
    if "iris" in request.args:
        if request.args["iris"] not in ("0", "1"):
            abort(400, description="iris must be 0 (annotations) or 1 (their IRIs)")
        iris = request.args["iris"] == "1"
    else:
        iris = PREFER_IRIS in prefer and PREFER_DESCRIPTIONS not in prefer
    return PREFER_MINIMAL in prefer, iris


def review_required(exc):
    """409 ``{"error": "review required"}``: this kind is published only once approved."""
    response = jsonify({"error": "review required", "detail": str(exc)})
    response.status_code = 409
    return response


bp.register_error_handler(ReviewRequiredError, review_required)


def _status_of(parsed):
    """The status a write asks for; without one, published, or in review for a reviewed kind."""
    if not parsed["status_given"] and needs_review(parsed["kind"]):
        return "review"
    return parsed["status"]


@bp.post("/annotations/")
@editor_required
def annotation_create():
    """Create an annotation (or, with motivation replying, an editors' comment): 201."""
    parsed = _parsed_body()
    if parsed["local_id"] is None and len(parsed["iri"] or "") > VIA_LENGTH:
        abort(422, description=f'"id" is longer than {VIA_LENGTH} characters')
    via = parsed["iri"] if parsed["local_id"] is None else None
    creator_name = ((parsed["creator"] or {}).get("name") or "")[:CREATOR_NAME_LENGTH]
    try:
        if parsed["kind"] == "reply":
            annotation = add_reply(_reply_parent(parsed), parsed["body"], current_user,
                                   creator_name=creator_name, via=via)
        else:
            document = _document_of(parsed)
            data = annotation_data(parsed, document, strict=True, user=current_user)
            data["status"] = _status_of(parsed)
            annotation = create_note(document, data, current_user,
                                     creator_name=creator_name, via=via,
                                     extra=kept_parts(parsed, data), require=False)
            keep_orphan(annotation, parsed)
        db.session.flush()
        # the answer is built from what was just written, inside the transaction: after
        # the commit every object would be read back (BEGIN, a SELECT each, ROLLBACK)
        response = _annotation_response(annotation, status=201)
        response.headers["Location"] = annotation_iri(base_url(), annotation.id)
        db.session.commit()
    except REFUSALS as exc:
        _refuse(exc)
    except IntegrityError:
        db.session.rollback()
        abort(409, description="an annotation with this id (via) already exists")
    return response


@bp.route("/annotations/<int:annotation_id>", methods=["GET", "HEAD"])
def annotation(annotation_id):
    """One annotation, with ETag and Last-Modified; drafts and deleted ones are 404 for readers."""
    found = _stored(annotation_id)
    if found is None or found.deleted_at is not None or (
            (found.status != "published" or found.is_reply) and not is_editor()):
        abort(404)
    response = _annotation_response(found).make_conditional(request)
    if response.status_code == 412:  # If-Match names another version: our error, not the body
        abort(412, description="the annotation is not at the version If-Match names")
    return response


@bp.put("/annotations/<int:annotation_id>")
@editor_required
def annotation_replace(annotation_id):
    """Replace an annotation; If-Match with its current ETag is required (412 if stale)."""
    annotation = _live(annotation_id)
    _may_change(annotation)
    based_on = _if_match(annotation, required=True)
    parsed = _parsed_body()
    try:
        if annotation.is_reply:
            if parsed["kind"] != "reply" or _reply_parent(parsed).id != annotation.reply_to_id:
                abort(422, description="a comment stays a reply to the same note")
            edit_reply(annotation, parsed["body"], current_user, based_on=based_on)
        else:
            if parsed["kind"] == "reply":
                abort(422, description="a note cannot become a comment")
            document = _document_of(parsed)
            if document.id != annotation.document_id:
                abort(422, description="an annotation cannot move to another document")
            data = annotation_data(parsed, document, strict=True, user=current_user)
            data.setdefault("source_id", None)
            data["status"] = _status_of(parsed)
            correction, reason = parse_correction(request.get_json(silent=True))
            edit_note(annotation, data, current_user, based_on=based_on,
                      extra=kept_parts(parsed, data), require=False, correction=correction,
                      reason=reason)
        db.session.flush()
        response = _annotation_response(annotation)  # before the commit, as in a POST
        db.session.commit()
    except REFUSALS as exc:
        _refuse(exc)
    return response


@bp.post("/annotations/<int:annotation_id>/approval")
@editor_required
def annotation_approval(annotation_id):
    """Review the change awaiting review: approve and publish it (201), or send it back.

    Body (optional): ``{"decision": "approve"}``, ``{"decision": "changes", "comment": …}``,
    or for admins ``{"decision": "override", "reason": …}``. If-Match, when given, must
    name the version the reviewer read.
    """
    annotation = _live(annotation_id)
    if annotation.is_reply:
        abort(422, description="comments are not reviewed")
    based_on = _if_match(annotation, required=False)
    data = _optional_json()
    decision = data.get("decision", "approve")
    try:
        if decision == "approve":
            approve(annotation, current_user, based_on=based_on)
        elif decision == "changes":
            request_changes(annotation, current_user, data.get("comment"), based_on=based_on)
        elif decision == "override":
            override(annotation, current_user, data.get("reason"), based_on=based_on)
        else:
            abort(422, description='decision must be "approve", "changes" or "override"')
        db.session.commit()
    except REFUSALS as exc:
        _refuse(exc)
    return _annotation_response(annotation, status=201)


def _optional_json():
    """The request's JSON object, or {} for an empty body; 400/415 for anything else."""
    if not request.get_data():
        return {}
    if request.mimetype not in ("application/ld+json", "application/json"):
        abort(415, description="send application/json")
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, description="the body must be a JSON object")
    return data


def _reply_parent(parsed):
    """The live note or comment (of ours) that a comment answers, or 422."""
    local = parsed["reply_to_local"]
    parent = _stored(local) if local is not None else None
    if parent is None or parent.deleted_at is not None:
        abort(422, description="a comment answers a live note or comment of this reader "
                               f"(its target {str(parsed['reply_to'])[:120]} is not one)")
    return parent


@bp.delete("/annotations/<int:annotation_id>")
@editor_required
def annotation_delete(annotation_id):
    """Delete (softly: editors can restore it); If-Match with its current ETag is required.

    Deleting a published note withdraws it from readers: say why, as ``{"ar:reason": "…"}``
    in the body or ``?reason=`` (422 without; readers see it on /corrections).
    """
    annotation = _live(annotation_id)
    _may_change(annotation)
    based_on = _if_match(annotation, required=True)
    reason = _optional_json().get("ar:reason", request.args.get("reason"))
    try:
        delete_annotation(annotation, current_user, based_on=based_on, reason=reason)
    except StaleVersionError as exc:
        abort(412, description=str(exc))
    except ValidationError as exc:
        _refuse(exc)
    db.session.commit()
    return "", 204


def _may_change(annotation):
    try:
        check_may_change(annotation, current_user)
    except NotAllowedError as exc:
        abort(403, description=str(exc))


def _live(annotation_id):
    found = _stored(annotation_id)
    if found is None or found.deleted_at is not None:
        abort(404)
    return found


def _stored(annotation_id):
    """Return the annotation with this id, deleted or not, or None (also past SQL's integers)."""
    return db.session.get(Annotation, annotation_id) if annotation_id <= MAX_ID else None


def _etag(annotation):
    return f"{annotation.id}-{annotation.version}"


def _if_match(annotation, required):
    """Return the version an If-Match header names; 428 if required and missing, 412 if stale
    or if it names none of this annotation's ETags."""
    header = request.if_match
    if not header:
        if required:
            abort(428, description="send If-Match with the annotation's ETag")
        return None
    current = _etag(annotation)
    if header.star_tag or header.contains(current):
        return annotation.version
    older = [tag for tag in header.as_set() if _version_of(tag, annotation) is not None]
    if older:
        abort(412, description=f'the annotation changed since that ETag (it is now "{current}"):'
                               " GET it again")
    sent = request.headers.get("If-Match", "")[:80]
    abort(412, description=f"If-Match {sent} is none of this annotation's ETags (its ETag is "
                           f'"{current}"): GET it for the current one')


def _version_of(tag, annotation):
    """Return the earlier version an ETag of ours names for ``annotation``, else None."""
    head, _, version = (tag or "").partition("-")
    if head == str(annotation.id) and _is_number(version) and int(version) < annotation.version:
        return int(version)
    return None


def _parsed_body():
    """Parse the request's W3C JSON or abort with 400 / 415 / 422."""
    if request.mimetype not in ("application/ld+json", "application/json"):
        abort(415, description="send application/ld+json")
    data = request.get_json(silent=True)  # None for bad JSON, or nested too deeply (safejson)
    if data is None:
        abort(400, description=f"the body is not valid JSON, or is nested too deeply "
                               f"(at most {MAX_DEPTH} levels)")
    if _has_nul(data):
        abort(422, description="text cannot contain a NUL character")
    try:
        return parse_annotation(data, base_url(), hosts=own_hosts())
    except W3CError as exc:
        abort(422, description=str(exc))


def _has_nul(value):
    """True if a NUL character is anywhere in parsed JSON: PostgreSQL stores none in text."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def _document_of(parsed):
    try:
        return find_document(parsed["slug"])
    except W3CError as exc:
        abort(422, description=str(exc))


def _annotation_response(annotation, status=200):
    slug = annotation.document.slug
    data = annotation_to_jsonld(annotation, base_url(), slug)
    private = annotation.pending and is_editor()
    if private:  # readers never see an unapproved change
        data["ar:pending"] = annotation_to_jsonld(pending_view(annotation), base_url(), slug,
                                                  with_context=False)
    response = _jsonld(data, status)
    if private:
        response.headers["Cache-Control"] = "private, no-store"
    response.set_etag(_etag(annotation))
    response.last_modified = annotation.modified_at
    response.headers["Link"] = RESOURCE_LINKS
    response.headers["Allow"] = "GET, HEAD, OPTIONS, PUT, DELETE"
    response.headers["Vary"] = "Accept"
    return response
