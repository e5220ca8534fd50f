"""Full-text search over document texts and published notes, in SQLite or PostgreSQL.

``search(query, limit)`` is the one entry point; the database does the matching,
ranking and marking of matches, ``terms.py`` the rest.

How the index stays current:
- SQLite: two FTS5 tables, ``document_fts`` (title, text; rowid = document id) and
  ``annotation_fts`` (body, tags; rowid = annotation id, published and undeleted
  notes only), kept in step by triggers on ``documents`` and ``annotations``. Triggers
  run inside the writing transaction, whatever writes (the services, a bulk insert,
  raw SQL, a cascade), so the index is never ahead of or behind the rows, and a
  rollback takes both back. Migration 0002 creates them for a migrated database;
  ``db.create_all`` gets them from an ``after_create`` listener below.
- PostgreSQL: no copy at all. The query matches ``to_tsvector`` expressions over the
  rows themselves, served by GIN expression indexes (same migration and listener).
Both stem English words (FTS5 ``porter``, PostgreSQL ``english``); other scripts,
Cyrillic included, are matched as whole words.
"""

from bisect import bisect_right
from dataclasses import dataclass, field

from markupsafe import Markup
from sqlalchemy import event, select, text
from sqlalchemy.orm import selectinload

from .extensions import db
from .models import Annotation
from .terms import CLOSE, OPEN, find_spans, fts5_query, marked_spans, parse_query, snippets, tsquery
from .text import detect_structure

TOKENIZER = "porter unicode61 remove_diacritics 2"

SQLITE_DDL = (
    "DROP TABLE IF EXISTS document_fts",
    "DROP TABLE IF EXISTS annotation_fts",
    f"CREATE VIRTUAL TABLE document_fts USING fts5(title, text, tokenize='{TOKENIZER}')",
    f"CREATE VIRTUAL TABLE annotation_fts USING fts5(body, tags, tokenize='{TOKENIZER}')",
    """CREATE TRIGGER IF NOT EXISTS document_fts_insert AFTER INSERT ON documents BEGIN
         INSERT INTO document_fts (rowid, title, text) VALUES (new.id, new.title, new.text);
       END""",
    """CREATE TRIGGER IF NOT EXISTS document_fts_update AFTER UPDATE OF id, title, text
       ON documents BEGIN
         DELETE FROM document_fts WHERE rowid = old.id;
         INSERT INTO document_fts (rowid, title, text) VALUES (new.id, new.title, new.text);
       END""",
    """CREATE TRIGGER IF NOT EXISTS document_fts_delete AFTER DELETE ON documents BEGIN
         DELETE FROM document_fts WHERE rowid = old.id;
       END""",
    """CREATE TRIGGER IF NOT EXISTS annotation_fts_insert AFTER INSERT ON annotations
       WHEN new.status = 'published' AND new.deleted_at IS NULL BEGIN
         INSERT INTO annotation_fts (rowid, body, tags) VALUES (new.id, new.body, new.tags);
       END""",
    """CREATE TRIGGER IF NOT EXISTS annotation_fts_update AFTER UPDATE ON annotations BEGIN
         DELETE FROM annotation_fts WHERE rowid = old.id;
         INSERT INTO annotation_fts (rowid, body, tags) SELECT new.id, new.body, new.tags
           WHERE new.status = 'published' AND new.deleted_at IS NULL;
       END""",
    """CREATE TRIGGER IF NOT EXISTS annotation_fts_delete AFTER DELETE ON annotations BEGIN
         DELETE FROM annotation_fts WHERE rowid = old.id;
       END""",
    # fill from the rows already there (none after create_all; all of them in a migration)
    "INSERT INTO document_fts (rowid, title, text) SELECT id, title, text FROM documents",
    """INSERT INTO annotation_fts (rowid, body, tags) SELECT id, body, tags FROM annotations
       WHERE status = 'published' AND deleted_at IS NULL""",
)

# what the PostgreSQL queries match; the GIN indexes are over these very expressions
PG_DOCUMENT_VECTOR = "to_tsvector('english', d.title || ' ' || d.text)"
PG_NOTE_VECTOR = "to_tsvector('english', a.body || ' ' || coalesce(a.tags::text, ''))"
POSTGRESQL_DDL = (
    "CREATE INDEX IF NOT EXISTS ix_documents_fts ON documents USING gin "
    "(to_tsvector('english', title || ' ' || text))",
    "CREATE INDEX IF NOT EXISTS ix_annotations_fts ON annotations USING gin "
    "(to_tsvector('english', body || ' ' || coalesce(tags::text, '')))",
)
_HEADLINE = f"StartSel={OPEN}, StopSel={CLOSE}, HighlightAll=true"


def create_index(connection):
    """Create (or re-create and refill) the search index on ``connection``'s database."""
    statements = {"sqlite": SQLITE_DDL, "postgresql": POSTGRESQL_DDL}
    for statement in statements.get(connection.dialect.name, ()):
        connection.execute(text(statement))


@event.listens_for(Annotation.__table__, "after_create")
def _create_index_with_tables(target, connection, **kw):
    """db.create_all: annotations comes after documents (its foreign key), so both exist."""
    create_index(connection)


@dataclass
class TextHit:
    """A document whose title or text matches; ``snippets`` show where in the text."""

    slug: str
    title: str
    outlet: str
    title_html: Markup
    snippets: list = field(default_factory=list)  # Places, in text order


@dataclass
class Place:
    """A snippet of a document's text: ``hl`` ("START-END") and ``block`` say where it is."""

    html: Markup
    hl: str | None = None
    block: int | None = None


@dataclass
class NoteHit:
    """A published note whose body or tags match."""

    annotation: Annotation
    html: Markup


@dataclass
class Results:
    """What ``search`` found: documents (text matches) and notes, each best first."""

    query: str
    terms: list
    documents: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    def __len__(self):
        return len(self.documents) + len(self.notes)


def search(query, limit=20):
    """Return the Results for a reader's ``query``: at most ``limit`` documents and notes.

    Drafts, deleted notes and orphans are never found. Any query is safe: an empty
    one, or one of nothing but operators and quotes, finds nothing.
    """
    terms = parse_query(query)
    results = Results(query or "", terms)
    if not terms:
        return results
    if db.engine.dialect.name == "postgresql":
        doc_rows, note_rows = _postgresql(terms, limit)
    else:
        doc_rows, note_rows = _sqlite(terms, limit)
    results.documents = [_text_hit(row, terms) for row in doc_rows]
    results.notes = _note_hits(note_rows, terms)
    return results


def _sqlite(terms, limit):
    match = fts5_query(terms)
    marks = {"o": OPEN, "c": CLOSE, "q": match, "limit": limit}
    docs = db.session.execute(text(
        "SELECT d.slug, d.title, d.outlet, d.text,"
        " highlight(document_fts, 0, :o, :c), highlight(document_fts, 1, :o, :c)"
        " FROM document_fts JOIN documents d ON d.id = document_fts.rowid"
        " WHERE document_fts MATCH :q ORDER BY bm25(document_fts, 4.0, 1.0) LIMIT :limit"
    ), marks).all()
    notes = db.session.execute(text(
        "SELECT a.id, highlight(annotation_fts, 0, :o, :c)"
        " FROM annotation_fts JOIN annotations a ON a.id = annotation_fts.rowid"
        " WHERE annotation_fts MATCH :q AND a.status = 'published' AND a.deleted_at IS NULL"
        " AND NOT a.orphan ORDER BY bm25(annotation_fts, 1.0, 0.5), a.id LIMIT :limit"
    ), marks).all()
    return docs, notes


def _postgresql(terms, limit):
    params = {"q": tsquery(terms), "opts": _HEADLINE, "limit": limit}
    docs = db.session.execute(text(
        "SELECT d.slug, d.title, d.outlet, d.text,"
        " ts_headline('english', d.title, q, :opts), ts_headline('english', d.text, q, :opts)"
        " FROM documents d, to_tsquery('english', :q) AS q"
        f" WHERE {PG_DOCUMENT_VECTOR} @@ q"
        f" ORDER BY ts_rank_cd({PG_DOCUMENT_VECTOR}, q) DESC, d.id LIMIT :limit"
    ), params).all()
    notes = db.session.execute(text(
        "SELECT a.id, ts_headline('english', a.body, q, :opts)"
        " FROM annotations a, to_tsquery('english', :q) AS q"
        f" WHERE {PG_NOTE_VECTOR} @@ q AND a.status = 'published'"
        " AND a.deleted_at IS NULL AND NOT a.orphan"
        f" ORDER BY ts_rank_cd({PG_NOTE_VECTOR}, q) DESC, a.id LIMIT :limit"
    ), params).all()
    return docs, notes


def _located(original, marked, terms):
    """Return the match spans in ``original``: the database's marks, or our own search."""
    plain, spans = marked_spans(marked or "")
    return spans if plain == original else find_spans(original, terms)


def _text_hit(row, terms):
    slug, title, outlet, body, title_marked, text_marked = row
    title_spans = _located(title, title_marked, terms)
    title_html = snippets(title, title_spans, width=len(title) + 1, limit=1)
    hit = TextHit(slug, title, outlet or "",
                  Markup(title_html[0].html if title_html else ""))
    block_starts = [b.start for b in detect_structure(body)]
    for snippet in snippets(body, _located(body, text_marked, terms)):
        place = Place(Markup(snippet.html))
        if snippet.hit_end > snippet.hit_start:
            place.hl = f"{snippet.hit_start}-{snippet.hit_end}"
            place.block = max(bisect_right(block_starts, snippet.hit_start) - 1, 0)
        hit.snippets.append(place)
    return hit


def _note_hits(rows, terms):
    marked = dict(rows)
    if not marked:
        return []
    found = db.session.scalars(
        select(Annotation).where(Annotation.id.in_(marked))
        .options(selectinload(Annotation.document), selectinload(Annotation.source))
    ).all()
    by_id = {a.id: a for a in found}
    hits = []
    for annotation_id in marked:  # the database's order: best first
        a = by_id[annotation_id]
        spans = _located(a.body, marked[annotation_id], terms)
        shown = snippets(a.body, spans, width=120, limit=1)
        html = Markup(shown[0].html) if shown else Markup("")
        hits.append(NoteHit(a, html))
    return hits

