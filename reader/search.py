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
  ``db.create_all`` gets them from an ``after_create`` listener below. A bulk import
  (services/bulk.py) sets the insert trigger aside for each batch, in its transaction,
  and indexes the batch's notes in one statement (``index_inserted``).
- PostgreSQL: notes are matched by ``to_tsvector`` expressions over the rows themselves,
  served by a GIN expression index; documents by a ``tsvector`` kept in ``document_fts``
  by a trigger (migrations 0002 and 0011, and the listener below).
Both stem English words (FTS5 ``porter``, PostgreSQL ``english``); other scripts,
Cyrillic included, are matched as whole words.
"""

from dataclasses import dataclass, field

from markupsafe import Markup
from sqlalchemy import event, func, select, text
from sqlalchemy.orm import selectinload

from .extensions import db
from .models import Annotation, Document
from .terms import (
    CLOSE, OPEN, find_spans, fts5_query, iter_spans, marked_spans, parse_query, snippets, tsquery,
)
from .text.canonical import block_index

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

# PostgreSQL: each document's vector is kept in document_fts, written by a trigger, so a
# search never parses a text (4 MB of text take PostgreSQL over a second to parse).
# A tsvector holds at most 1 MB: a text too rich in words for one is indexed by its
# first PG_MAX_INDEXED code points, rather than refused.
PG_MAX_INDEXED = 100_000
PG_NOTE_VECTOR = "to_tsvector('english', a.body || ' ' || coalesce(a.tags::text, ''))"
POSTGRESQL_DDL = (
    "DROP INDEX IF EXISTS ix_documents_fts",
    "CREATE INDEX IF NOT EXISTS ix_annotations_fts ON annotations USING gin "
    "(to_tsvector('english', body || ' ' || coalesce(tags::text, '')))",
    """CREATE TABLE IF NOT EXISTS document_fts (
         id INTEGER PRIMARY KEY REFERENCES documents (id) ON DELETE CASCADE,
         vector tsvector NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS ix_document_fts_vector ON document_fts USING gin (vector)",
    f"""CREATE OR REPLACE FUNCTION document_fts_vector(title text, body text)
       RETURNS tsvector LANGUAGE plpgsql IMMUTABLE AS $$
       BEGIN
         RETURN to_tsvector('english', title || ' ' || body);
       EXCEPTION WHEN program_limit_exceeded THEN
         RETURN to_tsvector('english', title || ' ' || left(body, {PG_MAX_INDEXED}));
       END $$""",
    """CREATE OR REPLACE FUNCTION document_fts_write() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         INSERT INTO document_fts (id, vector) VALUES (NEW.id, document_fts_vector(NEW.title, NEW.text))
           ON CONFLICT (id) DO UPDATE SET vector = EXCLUDED.vector;
         RETURN NULL;
       END $$""",
    "DROP TRIGGER IF EXISTS document_fts_write ON documents",
    """CREATE TRIGGER document_fts_write AFTER INSERT OR UPDATE OF title, text ON documents
       FOR EACH ROW EXECUTE FUNCTION document_fts_write()""",
    """INSERT INTO document_fts (id, vector) SELECT id, document_fts_vector(title, text)
       FROM documents ON CONFLICT (id) DO NOTHING""",
)
_HEADLINE = f"StartSel={OPEN}, StopSel={CLOSE}, HighlightAll=true"
# code points of a document's text searched for snippets: its matches further on are not
# shown (the document is still found). The databases mark matches only in titles and notes,
# which are short: marking a whole text costs them time quadratic in its matches.
MAX_SCAN = 500_000
# SQLite: the newest matches ranked, so a word in every document costs no more than a rare
# one; an older match outside them is found by adding words (the page says so)
WINDOW = 1_000
ORPHAN_ROOM = 20  # notes ranked beyond a page's worth, in case some are orphans


def create_index(connection):
    """Create (or re-create and refill) the search index on ``connection``'s database."""
    statements = {"sqlite": SQLITE_DDL, "postgresql": POSTGRESQL_DDL}
    for statement in statements.get(connection.dialect.name, ()):
        connection.execute(text(statement))


def index_inserted(connection, inserted, params):
    """SQLite: index the notes inserted while ``annotation_fts_insert`` was set aside (a bulk
    import), as the trigger would have; ``inserted`` is the SQL condition on annotations
    ``a`` that selects them. One statement (PostgreSQL's index needs no help)."""
    if connection.dialect.name == "sqlite":
        connection.execute(text(
            "INSERT INTO annotation_fts (rowid, body, tags) SELECT a.id, a.body, a.tags"
            f" FROM annotations a WHERE {inserted} AND a.status = 'published'"
            " AND a.deleted_at IS NULL ORDER BY a.id"), params)


@event.listens_for(Annotation.__table__, "after_create")
def _create_index_with_tables(target, connection, **kw):
    """db.create_all: annotations comes after documents (its foreign key), so both exist."""
    create_index(connection)


@event.listens_for(Document.__table__, "before_drop")
def _drop_index_with_tables(target, connection, **kw):
    """db.drop_all: PostgreSQL's document_fts refers to documents, so it goes first."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("DROP TABLE IF EXISTS document_fts"))


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
    windowed: bool = False  # only the newest WINDOW matches were ranked

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
        doc_rows, note_rows, results.windowed = _sqlite(terms, limit)
    results.documents = [_text_hit(row, terms) for row in doc_rows]
    results.notes = _note_hits(note_rows, terms)
    return results


def _sqlite(terms, limit):
    """Rank in the index alone, then read the few rows ranked first.

    FTS5 ranks thousands of matches in a millisecond when nothing else is asked of
    each; joining the rows (and marking the titles) before the LIMIT read every
    matching document's text. Titles and notes are marked by ``_located``'s own search.
    """
    match = fts5_query(terms)
    params = {"q": match, "limit": limit, "scan": MAX_SCAN, "window": WINDOW}
    ranked, newest = _ranked("SELECT rowid, bm25(document_fts, 4.0, 1.0) AS score FROM document_fts"
                             " WHERE document_fts MATCH :q", params, limit)
    rows = {row[0]: row[1:] for row in db.session.execute(
        select(Document.id, Document.slug, Document.title, Document.outlet,
               func.substr(Document.text, 1, MAX_SCAN)).where(Document.id.in_(ranked)))}
    docs = [(*rows[doc_id], None) for doc_id in ranked if doc_id in rows]
    # the index holds published, undeleted notes; orphans are left out here, so ask for
    # a few more than needed, and rank with the rows only if that was not enough
    wanted = limit + ORPHAN_ROOM
    candidates, newest_notes = _ranked(
        "SELECT rowid, bm25(annotation_fts, 1.0, 0.5) AS score FROM annotation_fts"
        " WHERE annotation_fts MATCH :q", params, wanted)
    placed = set(db.session.scalars(select(Annotation.id).where(
        Annotation.id.in_(candidates), Annotation.status == "published",
        Annotation.deleted_at.is_(None), Annotation.orphan.is_(False))))
    notes = [(i, None) for i in candidates if i in placed][:limit]
    if len(notes) < limit and len(candidates) == wanted and not newest_notes:
        notes = db.session.execute(text(
            "SELECT a.id, NULL FROM annotation_fts JOIN annotations a ON a.id = annotation_fts.rowid"
            " WHERE annotation_fts MATCH :q AND a.status = 'published' AND a.deleted_at IS NULL"
            " AND NOT a.orphan ORDER BY bm25(annotation_fts, 1.0, 0.5), a.id LIMIT :limit"
        ), params).all()
    return docs, notes, newest or newest_notes


def _ranked(matching, params, limit):
    """Return ``(rowids best first, windowed)``: the best ``limit`` among the WINDOW newest
    matches (in rowid order, which FTS5 walks without ranking the others). ``windowed``
    is True when the window was full: older matches may exist that were not ranked."""
    rows = db.session.execute(text(
        f"SELECT rowid, count(*) OVER () FROM ({matching} ORDER BY rowid DESC LIMIT :window)"
        " ORDER BY score, rowid LIMIT :limit"), {**params, "limit": limit}).all()
    return [row[0] for row in rows], bool(rows) and rows[0][1] >= params["window"]


def _postgresql(terms, limit):
    params = {"q": tsquery(terms), "opts": _HEADLINE, "limit": limit, "scan": MAX_SCAN}
    docs = db.session.execute(text(
        "SELECT d.slug, d.title, d.outlet, left(d.text, :scan),"
        " ts_headline('english', d.title, q, :opts)"
        " FROM document_fts f JOIN documents d ON d.id = f.id, to_tsquery('english', :q) AS q"
        " WHERE f.vector @@ q ORDER BY ts_rank_cd(f.vector, q) DESC, d.id LIMIT :limit"
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
    """A document found: its marked title and up to three snippets from its text's start.

    The snippets come from our own search of at most MAX_SCAN code points, read only as
    far as three bounded windows reach, so a text of one word repeated costs no more
    than a short one.
    """
    slug, title, outlet, body, title_marked = row
    title_spans = _located(title, title_marked, terms)
    title_html = snippets(title, title_spans, width=len(title) + 1, limit=1)
    hit = TextHit(slug, title, outlet or "",
                  Markup(title_html[0].html if title_html else ""))
    for snippet in snippets(body, iter_spans(body, terms)):
        place = Place(Markup(snippet.html))
        if snippet.hit_end > snippet.hit_start:
            place.hl = f"{snippet.hit_start}-{snippet.hit_end}"
            place.block = block_index(body, snippet.hit_start)
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



def similar_documents(words, exclude, limit):
    """Return the ids of up to ``limit`` documents holding most of ``words``, the rarest
    weighing most (SQLite's bm25; PostgreSQL ranks by how many it holds). ``words`` are
    letters only; the document ``exclude`` is left out. One indexed query."""
    if not words:
        return []
    params = {"exclude": exclude, "limit": limit}
    if db.engine.dialect.name == "postgresql":
        params["q"] = " | ".join(f"'{w.lower()}'" for w in words)
        rows = db.session.execute(text(
            "SELECT f.id FROM document_fts f, to_tsquery('english', :q) AS q"
            " WHERE f.vector @@ q AND f.id <> :exclude"
            " ORDER BY ts_rank(f.vector, q) DESC, f.id LIMIT :limit"), params)
    else:
        params["q"] = " OR ".join(f'"{w}"' for w in words)
        rows = db.session.execute(text(
            "SELECT rowid FROM document_fts WHERE document_fts MATCH :q AND rowid <> :exclude"
            " ORDER BY bm25(document_fts, 0.0, 1.0), rowid LIMIT :limit"), params)
    return [row[0] for row in rows]
