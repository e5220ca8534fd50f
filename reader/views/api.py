"""W3C Web Annotation JSON: per-document collections and the annotation container."""

import math

from flask import Blueprint, abort, current_app, jsonify, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Annotation, Document
from ..services.interchange import export_query
from ..w3c import MEDIA_TYPE, annotation_collection, annotation_page, annotation_to_jsonld
from . import base_url, is_editor

bp = Blueprint("api", __name__)


def _jsonld(data, status=200):
    response = jsonify(data)
    response.status_code = status
    response.mimetype = "application/ld+json"
    response.headers["Content-Type"] = MEDIA_TYPE
    response.headers["Access-Control-Allow-Origin"] = "*"
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
for _code in (400, 401, 403, 404, 405, 406, 409, 412, 413, 415, 422, 428, 429):
    bp.register_error_handler(_code, http_error)


def _page_number():
    raw = request.args.get("page", "0")
    if not raw.isdigit():
        abort(400, description="page must be a non-negative integer")
    return int(raw)


def _collection(query, collection_url, label):
    """Return an AnnotationCollection (page 0 embedded) or, with ?page=N, AnnotationPage N."""
    base = base_url()
    size = current_app.config["PAGE_SIZE"]
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    pages = max(math.ceil(total / size), 1)
    number = _page_number()
    if number >= pages:
        abort(404)
    rows = db.session.scalars(
        query.options(selectinload(Annotation.document), selectinload(Annotation.creator),
                      selectinload(Annotation.source))
        .order_by(Annotation.id).offset(number * size).limit(size)
    ).all()
    items = [annotation_to_jsonld(a, base, a.document.slug, with_context=False) for a in rows]

    def page_url(n):
        return f"{collection_url}?page={n}"

    page = annotation_page(
        page_url(number), items, {"id": collection_url, "label": label, "total": total},
        start_index=number * size,
        next_iri=page_url(number + 1) if number + 1 < pages else None,
        prev_iri=page_url(number - 1) if number > 0 else None,
        with_context="page" in request.args,
    )
    if "page" in request.args:
        return _jsonld(page)
    return _jsonld(annotation_collection(collection_url, label, total, page,
                                         last_iri=page_url(pages - 1)))


@bp.get("/docs/<slug>/annotations.json")
def document_annotations(slug):
    """The document's published annotations as a W3C AnnotationCollection."""
    document = db.session.scalars(select(Document).filter_by(slug=slug)).first() or abort(404)
    collection_url = url_for("api.document_annotations", slug=slug, _external=True)
    return _collection(export_query(document), collection_url,
                       f"Annotations on {document.title}")


@bp.get("/annotations/")
def container():
    """Every published annotation as a W3C AnnotationCollection."""
    collection_url = url_for("api.container", _external=True)
    return _collection(export_query(), collection_url, "Annotated Reader: all annotations")


@bp.get("/annotations/<int:annotation_id>")
def annotation(annotation_id):
    """One annotation; drafts and deleted ones are 404 for readers."""
    found = db.session.get(Annotation, annotation_id)
    if found is None or found.deleted_at is not None or (
            found.status != "published" and not is_editor()):
        abort(404)
    return _jsonld(annotation_to_jsonld(found, base_url(), found.document.slug))
