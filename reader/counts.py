"""Counts of the notes readers see, per document, per source and for the whole corpus.

The index sorts by "most annotated" and filters by the kinds and verdicts a document
has; ``/stats`` charts the totals. Counting the annotations on every request would
read the whole corpus each time, so these counts are kept, by database triggers, in
two small tables:

- ``document_counts``: one row per document (``document_id``) with its published,
  undeleted annotations (``published``: what the W3C container lists), and of these the
  notes readers see (``notes``), per kind (``kind_<kind>``) and per fact-check verdict
  (``verdict_<verdict>``). The rows with ``document_id`` 0 and below hold the same
  counts for the whole corpus, and ``changes``/``changed_at``, moved by every write that
  changes what the index and the stats show: their ETag and Last-Modified. The corpus is
  their sum (``corpus_totals``). On SQLite it is one row, 0 (one writer at a time anyway).
  On PostgreSQL a write adds to the one of ``CORPUS_SLOTS`` rows (0, -1, ... -31) its
  backend's pid picks: an update holds its row until the transaction ends, so with a
  single row every transaction writing a published note would queue for it, each until
  the one before had committed and synced, as the page cache's version did (pagecache.py).
- ``source_counts``: the published notes citing each source.
- ``annotation_positions``: how many of the annotations the W3C container lists
  (``published`` above) fall in each block of ``BLOCK`` ids, so that its page N is found
  by adding up blocks (a few hundred rows at 500,000 notes) and skipping less than a
  block of rows, instead of skipping N pages of them (``seek_published``). On PostgreSQL
  a write adds to its block's row of the connection's slot, as for the corpus's rows.

On PostgreSQL the annotations' triggers are deferred to the commit: a writer updates its
document's row (and its corpus row, and its block's) as its transaction ends, not at its INSERT, so the
row lock that writers to the same document queue for is held through the commit alone,
not also through the rest of the request (the revision row, the answer) as before.

A note readers see is published, not deleted, not an orphan and not a reply. The
triggers add a row's contribution after it is written and take back the old one, in
the writing transaction, whatever writes (the services, a bulk insert, raw SQL), as
the search index's triggers do; ``create_counts`` (``db.create_all`` and the migration)
builds the tables' rows from the rows already there. A bulk import of annotations
(services/bulk.py) has the insert trigger skip each batch's rows and adds them in one
go, in the same transaction (``count_inserted``): counting row by row would update
the same two rows once per note.
"""

from sqlalchemy import BigInteger, cast, event, func, select, text

from .config import KINDS, VERDICTS
from .extensions import db
from .models import AnnotationPositions, DocumentCounts

CORPUS = 0  # document_counts.document_id of the whole corpus's row (its first, on PostgreSQL)
CORPUS_SLOTS = 32  # PostgreSQL: corpus rows 0, -1, ... -31, so writers rarely share one
SQLITE_CORPUS = str(CORPUS)
PG_CORPUS = f"(-(pg_backend_pid() % {CORPUS_SLOTS}))"
KIND_COLUMNS = tuple(f"kind_{kind}" for kind in KINDS)
VERDICT_COLUMNS = tuple(f"verdict_{verdict}" for verdict in VERDICTS)
COUNT_COLUMNS = ("published", "notes", *KIND_COLUMNS, *VERDICT_COLUMNS)
BLOCK = 1024  # annotation ids a row of annotation_positions counts
PG_SLOT = f"(pg_backend_pid() % {CORPUS_SLOTS})"
# the columns whose change can move a note in or out of the counts, or on the index
WATCHED = ("status", "deleted_at", "orphan", "reply_to_id", "kind", "verdict", "document_id",
           "source_id", '"start"', '"end"')


def _visible(row):
    return (f"{row}.status = 'published' AND {row}.deleted_at IS NULL AND NOT {row}.orphan"
            f" AND {row}.reply_to_id IS NULL")


def _published(row):
    return f"{row}.status = 'published' AND {row}.deleted_at IS NULL"


def _placed(row):
    return f"(CASE WHEN NOT {row}.orphan AND {row}.reply_to_id IS NULL THEN 1 ELSE 0 END)"


def _add(row, sign, now):
    """SET clause adding ``sign`` times ``row``'s contribution to a document_counts row."""
    # the corpus's rows are the ones at and below CORPUS
    placed = _placed(row)
    parts = [f"published = published + ({sign})", f"notes = notes + ({sign}) * {placed}"]
    parts += [f"kind_{kind} = kind_{kind} + ({sign}) * {placed} * (CASE WHEN {row}.kind = '{kind}' "
              f"THEN 1 ELSE 0 END)" for kind in KINDS]
    parts += [f"verdict_{v} = verdict_{v} + ({sign}) * {placed} * (CASE WHEN {row}.kind = 'factcheck' "
              f"AND {row}.verdict = '{v}' THEN 1 ELSE 0 END)" for v in VERDICTS]
    # the corpus row's changes: counted twice on an update (take back, add): still a move
    parts += [f"changes = changes + (CASE WHEN document_id <= {CORPUS} THEN 1 ELSE 0 END)",
              f"changed_at = (CASE WHEN document_id <= {CORPUS} THEN {now} ELSE changed_at END)"]
    return ", ".join(parts)


def _count(row, sign, now, corpus):
    """Statements adding ``sign`` times ``row``'s contribution to its document, corpus, source.

    ``corpus`` is the SQL of the corpus row this connection writes.
    """
    return (
        f"UPDATE document_counts SET {_add(row, sign, now)}"
        f" WHERE document_id IN ({row}.document_id, {corpus});",
        f"UPDATE source_counts SET citations = citations + ({sign}) * {_placed(row)}"
        f" WHERE source_id = {row}.source_id;",
    )


def _touch(now, corpus):
    return (f"UPDATE document_counts SET changes = changes + 1, changed_at = {now}"
            f" WHERE document_id = {corpus};")


def _block(row):
    return f"{row}.id / {BLOCK}"


SQLITE_NOW = "CURRENT_TIMESTAMP"
SQLITE_POSITION = ("INSERT OR IGNORE INTO annotation_positions (block, slot, published)"
                   f" VALUES ({_block('new')}, 0, 0);")
SQLITE_DDL = (
    f"""CREATE TRIGGER counts_annotation_insert AFTER INSERT ON annotations
        WHEN {_published('new')} BEGIN
          INSERT OR IGNORE INTO source_counts (source_id, citations)
            SELECT new.source_id, 0 WHERE new.source_id IS NOT NULL;
          {' '.join(_count('new', 1, SQLITE_NOW, SQLITE_CORPUS))}
        END""",
    f"""CREATE TRIGGER counts_annotation_update_old AFTER UPDATE OF {', '.join(WATCHED)}
        ON annotations WHEN {_published('old')} BEGIN
          {' '.join(_count('old', -1, SQLITE_NOW, SQLITE_CORPUS))}
        END""",
    f"""CREATE TRIGGER counts_annotation_update_new AFTER UPDATE OF {', '.join(WATCHED)}
        ON annotations WHEN {_published('new')} BEGIN
          INSERT OR IGNORE INTO source_counts (source_id, citations)
            SELECT new.source_id, 0 WHERE new.source_id IS NOT NULL;
          {' '.join(_count('new', 1, SQLITE_NOW, SQLITE_CORPUS))}
        END""",
    f"""CREATE TRIGGER counts_annotation_delete AFTER DELETE ON annotations
        WHEN {_published('old')} BEGIN
          {' '.join(_count('old', -1, SQLITE_NOW, SQLITE_CORPUS))}
        END""",
    f"""CREATE TRIGGER positions_annotation_insert AFTER INSERT ON annotations
        WHEN {_published('new')} BEGIN
          {SQLITE_POSITION}
          UPDATE annotation_positions SET published = published + 1
            WHERE block = {_block('new')} AND slot = 0;
        END""",
    f"""CREATE TRIGGER positions_annotation_update AFTER UPDATE OF status, deleted_at
        ON annotations WHEN ({_published('old')}) <> ({_published('new')}) BEGIN
          {SQLITE_POSITION}
          UPDATE annotation_positions
            SET published = published + (CASE WHEN {_published('new')} THEN 1 ELSE -1 END)
            WHERE block = {_block('new')} AND slot = 0;
        END""",
    f"""CREATE TRIGGER positions_annotation_delete AFTER DELETE ON annotations
        WHEN {_published('old')} BEGIN
          UPDATE annotation_positions SET published = published - 1
            WHERE block = {_block('old')} AND slot = 0;
        END""",
    f"""CREATE TRIGGER counts_document_insert AFTER INSERT ON documents BEGIN
          INSERT OR IGNORE INTO document_counts (document_id) VALUES (new.id);
          {_touch(SQLITE_NOW, SQLITE_CORPUS)}
        END""",
    f"""CREATE TRIGGER counts_document_update AFTER UPDATE ON documents BEGIN
          {_touch(SQLITE_NOW, SQLITE_CORPUS)}
        END""",
    f"""CREATE TRIGGER counts_document_delete AFTER DELETE ON documents BEGIN
          DELETE FROM document_counts WHERE document_id = old.id;
          {_touch(SQLITE_NOW, SQLITE_CORPUS)}
        END""",
    f"""CREATE TRIGGER counts_source_change AFTER UPDATE ON sources BEGIN
          {_touch(SQLITE_NOW, SQLITE_CORPUS)}
        END""",
)

PG_NOW = "(now() AT TIME ZONE 'utc')"
# PostgreSQL: while a transaction sets this 'on' (set_config local to it), its inserts of
# annotations are left to count_inserted, which counts a bulk import's batch at once
COUNT_LATER = "reader.count_later"
POSTGRESQL_DDL = (
    f"""CREATE OR REPLACE FUNCTION counts_annotation() RETURNS trigger AS $$
        BEGIN
          IF TG_OP = 'INSERT' AND current_setting('{COUNT_LATER}', true) = 'on' THEN
            RETURN NULL;
          END IF;
          IF TG_OP IN ('UPDATE', 'DELETE') AND {_published('OLD')} THEN
            {' '.join(_count('OLD', -1, PG_NOW, PG_CORPUS))}
          END IF;
          IF TG_OP IN ('INSERT', 'UPDATE') AND {_published('NEW')} THEN
            IF NEW.source_id IS NOT NULL THEN
              INSERT INTO source_counts (source_id, citations) VALUES (NEW.source_id, 0)
                ON CONFLICT (source_id) DO NOTHING;
            END IF;
            {' '.join(_count('NEW', 1, PG_NOW, PG_CORPUS))}
          END IF;
          RETURN NULL;
        END $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS counts_annotation ON annotations",
    f"""CREATE CONSTRAINT TRIGGER counts_annotation
        AFTER INSERT OR DELETE OR UPDATE OF {', '.join(WATCHED)} ON annotations
        DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW EXECUTE FUNCTION counts_annotation()""",
    f"""CREATE OR REPLACE FUNCTION positions_annotation() RETURNS trigger AS $$
        DECLARE
          delta integer := 0;
        BEGIN
          IF TG_OP <> 'INSERT' AND {_published('OLD')} THEN delta := delta - 1; END IF;
          IF TG_OP <> 'DELETE' AND {_published('NEW')} THEN delta := delta + 1; END IF;
          IF delta <> 0 THEN
            INSERT INTO annotation_positions (block, slot, published)
              VALUES ((CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END) / {BLOCK},
                      {PG_SLOT}, delta)
              ON CONFLICT (block, slot)
              DO UPDATE SET published = annotation_positions.published + EXCLUDED.published;
          END IF;
          RETURN NULL;
        END $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS positions_annotation ON annotations",
    """CREATE CONSTRAINT TRIGGER positions_annotation
        AFTER INSERT OR DELETE OR UPDATE OF status, deleted_at ON annotations
        DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW EXECUTE FUNCTION positions_annotation()""",
    f"""CREATE OR REPLACE FUNCTION counts_document() RETURNS trigger AS $$
        BEGIN
          IF TG_OP = 'INSERT' THEN
            INSERT INTO document_counts (document_id) VALUES (NEW.id)
              ON CONFLICT (document_id) DO NOTHING;
          ELSIF TG_OP = 'DELETE' THEN
            DELETE FROM document_counts WHERE document_id = OLD.id;
          END IF;
          {_touch(PG_NOW, PG_CORPUS)}
          RETURN NULL;
        END $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS counts_document ON documents",
    """CREATE TRIGGER counts_document AFTER INSERT OR UPDATE OR DELETE ON documents
       FOR EACH ROW EXECUTE FUNCTION counts_document()""",
    f"""CREATE OR REPLACE FUNCTION counts_source() RETURNS trigger AS $$
        BEGIN
          {_touch(PG_NOW, PG_CORPUS)}
          RETURN NULL;
        END $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS counts_source ON sources",
    """CREATE TRIGGER counts_source AFTER UPDATE ON sources
       FOR EACH STATEMENT EXECUTE FUNCTION counts_source()""",
)


def _sum_terms():
    """The aggregates over annotations ``a`` giving each of ``COUNT_COLUMNS``, in order."""
    placed = _placed("a")
    kinds = [f"SUM({placed} * CASE WHEN a.kind = '{k}' THEN 1 ELSE 0 END)" for k in KINDS]
    verdicts = [f"SUM({placed} * CASE WHEN a.kind = 'factcheck' AND a.verdict = '{v}' THEN 1 "
                "ELSE 0 END)" for v in VERDICTS]
    return ["COUNT(a.id)", f"COALESCE(SUM({placed}), 0)",
            *(f"COALESCE({s}, 0)" for s in kinds + verdicts)]


def _sums():
    return ", ".join(_sum_terms())


def fill_counts(connection):
    """Rebuild every row of the three tables from the documents and annotations there now."""
    columns = ", ".join(COUNT_COLUMNS)
    visible, published = _visible("a"), _published("a")
    if connection.dialect.name == "postgresql":
        # count this transaction's writes now, not again after the rebuild at the commit
        connection.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))
    connection.execute(text("DELETE FROM document_counts"))
    connection.execute(text("DELETE FROM source_counts"))
    connection.execute(text(
        f"INSERT INTO document_counts (document_id, {columns}, changes)"
        f" SELECT d.id, {_sums()}, 0 FROM documents d"
        f" LEFT JOIN annotations a ON a.document_id = d.id AND {published} GROUP BY d.id"))
    connection.execute(text(
        f"INSERT INTO document_counts (document_id, {columns}, changes)"
        f" SELECT {CORPUS}, {_sums()}, 0 FROM annotations a WHERE {published}"))
    add_corpus_slots(connection)
    connection.execute(text(
        f"INSERT INTO source_counts (source_id, citations) SELECT a.source_id, COUNT(*)"
        f" FROM annotations a WHERE a.source_id IS NOT NULL AND {visible} GROUP BY a.source_id"))
    fill_positions(connection)


def fill_positions(connection):
    """Rebuild annotation_positions from the annotations there now."""
    connection.execute(text("DELETE FROM annotation_positions"))
    connection.execute(text(
        f"INSERT INTO annotation_positions (block, slot, published) SELECT {_block('a')}, 0,"
        f" COUNT(*) FROM annotations a WHERE {_published('a')} GROUP BY {_block('a')}"))


def count_inserted(connection, inserted, params):
    """Add annotations inserted while ``counts_annotation_insert`` was set aside (a bulk
    import) to the counts, as the trigger would have added them one by one.

    ``inserted`` is the SQL condition on annotations ``a`` that selects them (bound with
    ``params``). One statement per table:
    each touched document's row and the corpus row (its ``changes`` moved once per note,
    ``changed_at`` now) in one, the cited sources in two.
    """
    postgresql = connection.dialect.name == "postgresql"
    corpus, now = (PG_CORPUS, PG_NOW) if postgresql else (SQLITE_CORPUS, SQLITE_NOW)
    chosen = f"{inserted} AND {_published('a')}"
    sums = ", ".join(f"{term} AS {name}" for term, name in zip(_sum_terms(), COUNT_COLUMNS))
    added = ", ".join(f"{name} = document_counts.{name} + t.{name}" for name in COUNT_COLUMNS)
    in_corpus = f"document_counts.document_id <= {CORPUS}"
    connection.execute(text(
        f"UPDATE document_counts SET {added},"
        f" changes = document_counts.changes + (CASE WHEN {in_corpus} THEN t.published ELSE 0 END),"
        f" changed_at = (CASE WHEN {in_corpus} THEN {now} ELSE document_counts.changed_at END)"
        f" FROM (SELECT a.document_id AS document_id, {sums} FROM annotations a"
        f" WHERE {chosen} GROUP BY a.document_id"
        f" UNION ALL SELECT * FROM (SELECT {corpus} AS document_id, {sums} FROM annotations a"
        f" WHERE {chosen}) AS corpus WHERE published > 0) AS t"
        " WHERE document_counts.document_id = t.document_id"), params)
    cited = f"SELECT DISTINCT a.source_id, 0 FROM annotations a WHERE {chosen} AND a.source_id IS NOT NULL"
    connection.execute(text(
        f"INSERT INTO source_counts (source_id, citations) {cited}"
        " ON CONFLICT (source_id) DO NOTHING" if postgresql
        else f"INSERT OR IGNORE INTO source_counts (source_id, citations) {cited}"), params)
    connection.execute(text(
        "UPDATE source_counts SET citations = source_counts.citations + t.citations"
        f" FROM (SELECT a.source_id AS source_id, SUM({_placed('a')}) AS citations"
        f" FROM annotations a WHERE {chosen} AND a.source_id IS NOT NULL GROUP BY a.source_id)"
        " AS t WHERE source_counts.source_id = t.source_id"), params)


def counts_later(connection):
    """PostgreSQL: whether the counts trigger leaves inserts to ``count_inserted`` when
    the transaction sets ``COUNT_LATER`` (a database from before migration 0021 does not)."""
    return bool(connection.scalar(text(
        "SELECT 1 FROM pg_proc WHERE proname = 'counts_annotation'"
        " AND pg_function_is_visible(oid) AND strpos(prosrc, :name) > 0"),
        {"name": COUNT_LATER}))


def add_corpus_slots(connection):
    """PostgreSQL: add the corpus's other rows, empty, beside row CORPUS."""
    if connection.dialect.name == "postgresql":
        connection.execute(text(
            "INSERT INTO document_counts (document_id, changes)"
            f" SELECT -n, 0 FROM generate_series(1, {CORPUS_SLOTS - 1}) AS n"
            " ON CONFLICT (document_id) DO NOTHING"))


def corpus_totals():
    """Return the whole corpus's counts: ``COUNT_COLUMNS``, ``changes`` and ``changed_at``.

    The sum of its rows (the latest ``changed_at``), or None before they exist.
    """
    C = DocumentCounts
    sums = [cast(func.sum(getattr(C, name)), BigInteger).label(name) for name in COUNT_COLUMNS]
    row = db.session.execute(
        select(*sums, cast(func.sum(C.changes), BigInteger).label("changes"),
               func.max(C.changed_at).label("changed_at"))
        .where(C.document_id <= CORPUS)).one()
    return None if row.changes is None else row


def seek_published(index):
    """Where the W3C container's ``index``-th annotation (from 0, in id order) is: return
    ``(first_id, skip)``, it being the ``skip``-th listed from id ``first_id`` on (``skip``
    is less than BLOCK), or None past the last. Reads one row per block of ids."""
    P = AnnotationPositions
    before = 0
    for block, listed in db.session.execute(
            select(P.block, func.sum(P.published)).group_by(P.block).order_by(P.block)):
        if before + listed > index:
            return block * BLOCK, index - before
        before += listed
    return None


def create_counts(connection):
    """Create the triggers on ``connection``'s database and fill the tables."""
    statements = {"sqlite": SQLITE_DDL, "postgresql": POSTGRESQL_DDL}
    for statement in statements.get(connection.dialect.name, ()):
        connection.execute(text(statement))
    fill_counts(connection)


@event.listens_for(db.metadata, "after_create")
def _create_counts_with_tables(target, connection, **kw):
    """db.create_all: every table exists by now."""
    create_counts(connection)
