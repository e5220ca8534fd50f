"""Reader pages: the document index, a document with its notes, a source, search, stats."""

from flask import (
    Blueprint, abort, current_app, make_response, redirect, render_template, request, url_for,
)
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..catalog import (
    PER_PAGE, SORTS, corpus_state, facet_counts, note_positions, page_of_documents,
    parse_index_query, start_counting,
)
from ..charts import bar_chart, density_strip
from ..config import KIND_LABELS, KINDS, VERDICT_LABELS, VERDICTS
from ..counts import corpus_totals
from ..extensions import db
from ..filters import parse_filters
from ..models import Annotation, Document, DocumentCounts, Source, SourceCounts
from ..search import search
from ..services.assignments import assignable_editors, open_assignments
from ..services.desk import SYNC_DOCUMENTS, match_in_background
from ..services.related import kept_corpus_matches, related_passages
from ..services.reports import TooLongError, compare_documents, other_reports
from ..services.intake import latest_original
from ..services.review import review_kinds
from ..services.sources import is_public, live_source
from ..text.canonical import detect_structure, has_title_line
from . import is_editor
from .caching import is_modified, not_modified, page_validators, respond, weak_etag
from .parts import document_parts, page_annotations, reader_tools

bp = Blueprint("public", __name__)

LEDE_SCAN = 4000  # code points of a text looked at for its first paragraph
SEARCH_LIMIT = 20  # documents, and again notes, on one results page
TOP_SOURCES = 10
SOURCE_CHOICES = 50  # most cited, and again newest, sources offered to link two passages
TOP_DOCUMENTS = 20  # on /stats; the index sorted by most annotated has them all


def _published():
    """The condition for annotations every reader sees (placed or whole, not orphaned)."""
    return (Annotation.status == "published", Annotation.deleted_at.is_(None),
            Annotation.orphan.is_(False))


@bp.get("/")
def index():
    """List one page of documents, sorted and filtered, with their published notes per kind.

    ``?page=N&sort=newest|annotated|title&outlet=…&author=…&from=…&to=…&kind=…&verdict=…``
    (catalog.py). A value that cannot be used is named on the page (400); a page past
    the last one says how many there are (404).
    """
    validators = page_validators()
    if validators and not is_modified(validators):
        return not_modified(validators)
    query = parse_index_query(request.args)
    facets = facet_counts(query, corpus_state())
    if facets.total is None:  # still being counted: is there a page after this one?
        rows = page_of_documents(query, extra=1)
        pages = query.page + (len(rows) > PER_PAGE) if rows or query.page == 1 else 0
        rows = rows[:PER_PAGE]
    else:
        rows = page_of_documents(query)
        pages = max(1, -(-facets.total // PER_PAGE))
    positions = note_positions([document.id for document, _ in rows])
    cards = []
    for document, counts in rows:
        href = lambda ann_id, slug=document.slug: f"{url_for('public.document', slug=slug)}#a-{ann_id}"
        # charts.py escapes every piece of text it writes
        strip = Markup(density_strip(len(document.text), positions[document.id], href, bins=40,
                                     labels=KIND_LABELS,
                                     title=f"Where the notes fall in “{document.title}”"))
        cards.append({"document": document, "strip": strip, "lede": _lede(document.text),
                      "counts": {kind: getattr(counts, f"kind_{kind}") for kind in KINDS}})
    status = 400 if query.errors else 404 if query.page > pages else 200
    html = render_template("public/index.html", cards=cards, query=query, facets=facets,
                           pages=pages, sorts=SORTS, kinds=KINDS, kind_labels=KIND_LABELS,
                           verdicts=VERDICTS, verdict_labels=VERDICT_LABELS,
                           per_page=PER_PAGE)
    # counts of an earlier state, or still to come: no cache keeps the page, and they are
    # counted once it is sent
    response = respond(html, validators if status == 200 and facets.fresh else None)
    if not facets.fresh:
        response.call_on_close(start_counting)
    return response, status


def _lede(text):
    """Return the first paragraph of a text, to say what it is about on the index."""
    text = text[:LEDE_SCAN]
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
    validators = None if editor else page_validators(document)
    if validators and not is_modified(validators):
        return not_modified(validators)
    filters = parse_filters(request.args)
    annotations = page_annotations(document, editor)
    parts = document_parts(document, editor=editor, filters=filters, annotations=annotations)
    extra = {"title_in_text": has_title_line(document.text, document.title), "archived": None,
             "reports": other_reports(document)}
    if editor:  # passages reported elsewhere too, to link both to one source
        related = _related(document)
        extra.update({"related": related, "sources": _source_choices() if related else [],
                      "review_kinds": sorted(review_kinds()),
                      "archived": latest_original(document),
                      "assignments": open_assignments(document=document),
                      "editors": assignable_editors()})
    response = render_template(
        "public/document.html", document=document, kinds=KINDS, kind_labels=KIND_LABELS,
        editor=editor, filters=filters, **reader_tools(document, annotations, filters, editor),
        **extra, **parts)
    return respond(response, validators, private=editor)


@bp.get("/compare/<slug_a>/<slug_b>")
def compare(slug_a, slug_b):
    """Show two documents side by side, the passages they share aligned row by row."""
    document_a, document_b = _load_document(slug_a), _load_document(slug_b)
    if document_a.id == document_b.id:
        return redirect(url_for("public.document", slug=document_a.slug))
    validators = page_validators(document_a)
    if validators:  # both documents' states: kept by the page cache, 304 while they hold
        other_etag, other_modified = page_validators(document_b)
        etag = weak_etag(validators[0] + other_etag)
        times = [t for t in (validators[1], other_modified) if t is not None]
        validators = (etag, max(times) if times else None)
        if not is_modified(validators):
            return not_modified(validators)
    try:
        rows, too_long = compare_documents(document_a, document_b), None
    except TooLongError as exc:
        rows, too_long = [], str(exc)
    response = render_template("public/compare.html", a=document_a, b=document_b, rows=rows,
                               pairs=sum(row["paired"] for row in rows), too_long=too_long)
    return respond(response, validators)


def _source_choices():
    """The sources offered when linking two passages: the most cited and the newest
    (SOURCE_CHOICES of each), by title; any other is found by its title in the note form."""
    most_cited = (select(SourceCounts.source_id).order_by(SourceCounts.citations.desc(),
                                                          SourceCounts.source_id)
                  .limit(SOURCE_CHOICES))
    newest = (select(Source.id).where(Source.deleted_at.is_(None)).order_by(Source.id.desc())
              .limit(SOURCE_CHOICES))
    return db.session.scalars(select(Source).where(
        Source.id.in_(most_cited) | Source.id.in_(newest), Source.deleted_at.is_(None))
        .order_by(Source.title)).all()


def _related(document):
    """The passages of ``document`` reported elsewhere, or None while a large corpus is
    being matched (in the background, as for the desk: never during a request)."""
    small = db.session.scalar(select(Document.id).offset(SYNC_DOCUMENTS).limit(1)) is None
    if not small and kept_corpus_matches() is None:
        match_in_background(current_app._get_current_object())
        return None
    return related_passages(document)


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
    """Bar charts of the published notes: the most annotated documents, sources cited, verdicts.

    Read from the kept counts (counts.py) through indexes: the same work at any size.
    """
    validators = page_validators()
    if validators and not is_modified(validators):
        return not_modified(validators)
    C = DocumentCounts
    documents = [(title, url_for("public.document", slug=slug),
                  {kind: getattr(counts, f"kind_{kind}") for kind in KINDS})
                 for slug, title, counts in db.session.execute(
                     select(Document.slug, Document.title, C)
                     .join(Document, Document.id == C.document_id).where(C.notes > 0)
                     .order_by(C.notes.desc(), C.document_id.desc()).limit(TOP_DOCUMENTS))]
    cited = db.session.execute(
        select(Source.id, Source.title, Source.speaker, SourceCounts.citations)
        .join(Source, Source.id == SourceCounts.source_id).where(SourceCounts.citations > 0)
        .order_by(SourceCounts.citations.desc(), SourceCounts.source_id)
        .limit(TOP_SOURCES)).all()
    sources = [(f"{title} ({speaker})" if speaker else title,
                url_for("public.source", source_id=source_id), n)
               for source_id, title, speaker, n in cited]
    corpus = corpus_totals()
    verdicts = [(VERDICT_LABELS[v], None, getattr(corpus, f"verdict_{v}")) for v in VERDICTS
                if corpus is not None and getattr(corpus, f"verdict_{v}")]
    totals = {kind: getattr(corpus, f"kind_{kind}") if corpus else 0 for kind in KINDS}
    series = [(kind, KIND_LABELS[kind].lower() + "s") for kind in KINDS]
    charts = {  # charts.py escapes every piece of text it writes
        "documents": Markup(bar_chart(documents, title="Most annotated documents, by kind",
                                      series=series)),
        "sources": Markup(bar_chart(sources, title="Most cited sources",
                                    series=[("value", "citations")])),
        "verdicts": Markup(bar_chart(verdicts, title="Fact-check verdicts",
                                     series=[("value", "fact checks")])),
    }
    return respond(render_template("public/stats.html", charts=charts, documents=documents,
                                   sources=sources, verdicts=verdicts, kinds=KINDS,
                                   kind_labels=KIND_LABELS, totals=totals,
                                   top_documents=TOP_DOCUMENTS), validators)
