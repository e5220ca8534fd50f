"""Reader pages: the document index, a document with its notes, a source, search, stats."""

import hashlib
from pathlib import Path

from flask import (
    Blueprint, abort, make_response, redirect, render_template, request, session, url_for,
)
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from werkzeug.http import is_resource_modified

from ..charts import bar_chart, density_strip
from ..config import KIND_LABELS, KINDS, VERDICT_LABELS, VERDICTS
from ..extensions import db
from ..filters import parse_filters
from ..models import Annotation, Document, Source
from ..search import search
from ..services.assignments import assignable_editors, open_assignments
from ..services.related import related_passages
from ..services.intake import latest_original
from ..services.review import review_kinds
from ..services.sources import is_public, live_source
from ..text import detect_structure, has_title_line
from . import is_editor
from .parts import document_parts, page_annotations, reader_tools

bp = Blueprint("public", __name__)

SEARCH_LIMIT = 20  # documents, and again notes, on one results page
TOP_SOURCES = 10


def _published():
    """The condition for annotations every reader sees (placed or whole, not orphaned)."""
    return (Annotation.status == "published", Annotation.deleted_at.is_(None),
            Annotation.orphan.is_(False))


@bp.get("/")
def index():
    """List the documents with their published annotations per kind and where they fall."""
    validators = _validators()
    if validators and not _modified(validators):
        return _not_modified(validators)
    documents = db.session.scalars(select(Document).order_by(Document.title)).all()
    rows = db.session.execute(
        select(Annotation.document_id, Annotation.kind, func.count())
        .where(*_published()).group_by(Annotation.document_id, Annotation.kind)
    )
    counts = {}
    for document_id, kind, n in rows:
        counts.setdefault(document_id, {})[kind] = n
    spans = {}
    for document_id, ann_id, kind, start in db.session.execute(
            select(Annotation.document_id, Annotation.id, Annotation.kind, Annotation.start)
            .where(*_published(), Annotation.start.is_not(None))
            .order_by(Annotation.start, Annotation.id)):
        spans.setdefault(document_id, []).append((ann_id, kind, start))
    strips = {}
    for d in documents:
        href = lambda ann_id, slug=d.slug: f"{url_for('public.document', slug=slug)}#a-{ann_id}"
        # charts.py escapes every piece of text it writes
        strips[d.id] = Markup(density_strip(len(d.text), spans.get(d.id, []), href, bins=80,
                                     labels=KIND_LABELS,
                                     title=f"Where the notes fall in “{d.title}”"))
    ledes = {d.id: _lede(d.text) for d in documents}
    return _respond(render_template("public/index.html", documents=documents, counts=counts,
                                    ledes=ledes, strips=strips, kinds=KINDS,
                                    kind_labels=KIND_LABELS), validators)


def _lede(text):
    """Return the first paragraph of a text, to say what it is about on the index."""
    block = next((b for b in detect_structure(text) if b.kind == "paragraph"), None)
    return text[block.start:block.end].strip() if block else ""


def _load_document(slug):
    document = db.session.scalars(select(Document).filter_by(slug=slug)).first()
    if document is None:
        abort(404)
    return document


@bp.get("/docs/<slug>")
def document(slug):
    """Show a document with its annotations highlighted inline and their notes beside it.

    ``?kind=…&tag=…&source=…&verdict=…`` filter the notes (see filters.py).
    """
    document = _load_document(slug)
    editor = is_editor()
    validators = None if editor else _validators(document)
    if validators and not _modified(validators):
        return _not_modified(validators)
    filters = parse_filters(request.args)
    annotations = page_annotations(document, editor)
    parts = document_parts(document, editor=editor, filters=filters, annotations=annotations)
    extra = {"title_in_text": has_title_line(document.text, document.title), "archived": None}
    if editor:  # passages reported elsewhere too, to link both to one source
        extra.update({"related": related_passages(document),
                      "sources": db.session.scalars(select(Source).where(Source.deleted_at.is_(None))
                                                    .order_by(Source.title)).all(),
                      "review_kinds": sorted(review_kinds()),
                      "archived": latest_original(document),
                      "assignments": open_assignments(document=document),
                      "editors": assignable_editors()})
    response = render_template(
        "public/document.html", document=document, kinds=KINDS, kind_labels=KIND_LABELS,
        editor=editor, filters=filters, **reader_tools(document, annotations, filters, editor),
        **extra, **parts)
    return _respond(response, validators, private=editor)


@bp.get("/sources/<id:source_id>")
def source(source_id):
    """Show a source and every span in the corpus that cites it.

    Readers see only a source that a published note cites, and only those notes
    (404 otherwise: drafts never leak); editors also see drafts, deleted sources and
    their tools. A merged source redirects to the source it was merged into.
    """
    source = db.session.get(Source, source_id) or abort(404)
    editor = is_editor()
    if source.merged_into_id is not None:
        survivor = live_source(source.id)
        if survivor is None or not (editor or is_public(survivor)):
            abort(404)
        return redirect(url_for("public.source", source_id=survivor.id), 301)
    if not editor and not is_public(source):
        abort(404)
    query = (
        select(Annotation)
        .where(Annotation.source_id == source.id, Annotation.deleted_at.is_(None))
        .options(selectinload(Annotation.document))
        # notes without a span first on both: SQLite sorts NULLs first, PostgreSQL last
        .order_by(Annotation.document_id, Annotation.start.nulls_first(), Annotation.id)
    )
    if not editor:
        query = query.where(Annotation.status == "published")
    citations = [{"annotation": a, "html": a.html}
                 for a in db.session.scalars(query)]
    response = make_response(render_template("public/source.html", source=source,
                                             citations=citations, kind_labels=KIND_LABELS,
                                             editor=editor))
    if editor:
        response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/search")
def search_page():
    """Find words in the document texts and the published notes."""
    query = request.args.get("q", "")
    return render_template("public/search.html", query=query,
                           results=search(query, limit=SEARCH_LIMIT))


@bp.get("/stats")
def stats():
    """Bar charts of the published notes: per document and kind, sources cited, verdicts."""
    validators = _validators()
    if validators and not _modified(validators):
        return _not_modified(validators)
    per_document = {}
    for slug, title, kind, n in db.session.execute(
            select(Document.slug, Document.title, Annotation.kind, func.count())
            .join(Annotation, Annotation.document_id == Document.id).where(*_published())
            .group_by(Document.slug, Document.title, Annotation.kind)):
        per_document.setdefault((slug, title), {})[kind] = n
    documents = sorted(((title, url_for("public.document", slug=slug), kinds)
                        for (slug, title), kinds in per_document.items()),
                       key=lambda row: (-sum(row[2].values()), row[0]))
    cited = db.session.execute(
        select(Source.id, Source.title, Source.speaker, func.count())
        .join(Annotation, Annotation.source_id == Source.id).where(*_published())
        .group_by(Source.id, Source.title, Source.speaker)
        .order_by(func.count().desc(), Source.title, Source.id).limit(TOP_SOURCES)).all()
    sources = [(f"{title} ({speaker})" if speaker else title,
                url_for("public.source", source_id=source_id), n)
               for source_id, title, speaker, n in cited]
    verdict_counts = dict(db.session.execute(
        select(Annotation.verdict, func.count()).where(
            *_published(), Annotation.kind == "factcheck", Annotation.verdict.is_not(None))
        .group_by(Annotation.verdict)).all())
    verdicts = [(VERDICT_LABELS[v], None, verdict_counts[v]) for v in VERDICTS
                if verdict_counts.get(v)]
    series = [(kind, KIND_LABELS[kind].lower() + "s") for kind in KINDS]
    charts = {  # charts.py escapes every piece of text it writes
        "documents": Markup(bar_chart(documents, title="Published notes per document, by kind",
                                      series=series)),
        "sources": Markup(bar_chart(sources, title="Most cited sources",
                                    series=[("value", "citations")])),
        "verdicts": Markup(bar_chart(verdicts, title="Fact-check verdicts",
                                     series=[("value", "fact checks")])),
    }
    return _respond(render_template("public/stats.html", charts=charts, documents=documents,
                                    sources=sources, verdicts=verdicts, kinds=KINDS,
                                    kind_labels=KIND_LABELS), validators)


# --- conditional GET for readers ---------------------------------------------------------

_CODE_VERSION = []
CODE_SUFFIXES = {".py", ".html", ".js", ".css", ".svg"}


def _code_version():
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


def _validators(document=None):
    """Return ``(etag, last_modified)`` of a reader's page, or None where none applies.

    Built from what readers see, and nothing else, so an editor's work on drafts
    never moves them: the document(s) (text revision, metadata, when a published note
    last left), the published notes (count, latest change, versions, newest id), the
    sources they cite (count, latest change), the query string and the code. Signed-in
    editors and sessions with a pending flash message get no validators.
    """
    if is_editor() or session.get("_flashes"):
        return None
    published = (Annotation.status == "published", Annotation.deleted_at.is_(None))
    notes = select(func.count(Annotation.id), func.max(Annotation.modified_at),
                   func.coalesce(func.sum(Annotation.version), 0),
                   func.max(Annotation.id)).where(*published)
    cited = (select(func.count(func.distinct(Source.id)), func.max(Source.modified_at))
             .join(Annotation, Annotation.source_id == Source.id).where(*published))
    if document is not None:
        notes = notes.where(Annotation.document_id == document.id)
        cited = cited.where(Annotation.document_id == document.id)
        docs = (1, document.modified_at, document.withdrawn_at, document.revision, document.id)
    else:
        docs = db.session.execute(select(
            func.count(Document.id), func.max(Document.modified_at),
            func.max(Document.withdrawn_at), func.coalesce(func.sum(Document.revision), 0),
            func.max(Document.id))).one()
    n_notes, notes_at, versions, top_note = db.session.execute(notes).one()
    n_sources, sources_at = db.session.execute(cited).one()
    n_docs, docs_at, withdrawn_at, revisions, top_doc = docs
    times = [t for t in (notes_at, docs_at, withdrawn_at, sources_at) if t is not None]
    state = "|".join(str(part) for part in (
        request.path, request.query_string.decode("latin-1"), _code_version(),
        n_notes, notes_at, versions, top_note, n_docs, docs_at, withdrawn_at, revisions,
        top_doc, n_sources, sources_at))
    etag = 'W/"' + hashlib.sha1(state.encode()).hexdigest()[:20] + '"'
    return etag, max(times) if times else None


def _modified(validators):
    etag, last_modified = validators
    return is_resource_modified(request.environ, etag=etag, last_modified=last_modified)


def _not_modified(validators):
    response = make_response("", 304)
    return _headers(response, validators)


def _respond(html, validators, private=False):
    response = make_response(html)
    if validators:
        return _headers(response, validators)
    if private:  # an editor's page shows drafts: never kept by any cache
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
