"""The whole corpus out and back: every table of content, streamed, into an empty instance.

What a corpus holds: accounts (their names, display names, roles and states, without
password hashes, API tokens or session generations) and their audit log, documents with
every revision of their text, sources with their histories (merged and deleted ones
too), and every annotation (drafts, deleted ones, pending changes awaiting review,
editors' comments and the mentions in them) with its full history. Rows keep their ids,
so references, permalinks and IRIs stay the same, and importing into an empty instance
makes one whose export is byte for byte the same file. A note's HTML is not in the file:
it is rendered again from its Markdown on import (sanitize.py is the one source of safe
HTML). Rows are read and written as plain columns in batches (memory stays flat); an
import is one transaction (the caller commits).
"""

from sqlalchemy import TypeDecorator, bindparam, func, insert, select, update
from sqlalchemy import text as sql
from sqlalchemy.exc import DBAPIError

from ..extensions import db
from ..interchange.corpus import (
    CorpusError, decode, end_line, header_line, read_records, record_line,
)
from ..models import (
    Annotation, AnnotationRevision, Assignment, AuditEvent, Document, DocumentRevision, Mention,
    Source, SourceRevision, User,
)
from ..sanitize import render_markdown
from . import ServiceError

BATCH = 500  # rows read or written at a time: memory stays within a batch
TEXT_BATCH = 20  # of documents and their revisions, whose texts may be megabytes each
# record name, model, columns never written (secrets, what is derived, what belongs to
# one instance); in the order references need
TABLES = (
    ("user", User, {"password_hash", "session_generation"}),
    ("audit_event", AuditEvent, set()),
    ("document", Document, set()),
    ("document_revision", DocumentRevision, set()),
    ("source", Source, set()),
    ("source_revision", SourceRevision, set()),
    ("annotation", Annotation, {"body_html"}),
    ("annotation_revision", AnnotationRevision, set()),
    ("mention", Mention, set()),
    ("assignment", Assignment, set()),
)
BATCHES = {"document": TEXT_BATCH, "document_revision": TEXT_BATCH}
RECORDS = tuple(name for name, _, _ in TABLES)
NO_PASSWORD = ""  # matches no password: an imported account signs in once given one
# references to a row of the same table, which may come later in the file (a source
# merged into a newer one): inserted empty, then set once the whole table is in
LATER = {"source": "merged_into_id", "annotation": "reply_to_id"}


class CorpusImportError(ServiceError):
    """The corpus could not be imported (nothing was); the reason says where and why."""


def _columns(model, secret):
    return [c for c in model.__table__.columns if c.key not in secret]


def count_corpus():
    """Return ``{record: count}`` of what an export writes."""
    return {name: db.session.scalar(select(func.count()).select_from(model))
            for name, model, _ in TABLES}


def stream_corpus(progress=None):
    """Yield the corpus file's text, a line at a time (``progress`` called per record)."""
    yield header_line()
    counts = {}
    for name, model, secret in TABLES:
        columns = _columns(model, secret)
        query = (select(*columns).order_by(model.__table__.c.id)
                 .execution_options(yield_per=BATCHES.get(name, BATCH)))
        counts[name] = 0
        for row in db.session.execute(query):
            yield record_line(name, row._asdict())
            counts[name] += 1
            if progress:
                progress()
    yield end_line(counts)


def import_corpus(lines, progress=None):
    """Rebuild a corpus from the lines of a corpus file; return ``{record: count}``.

    The instance must be empty (no account, document, source or annotation). Raises
    CorpusImportError naming the line and the reason; then nothing is written (the
    caller rolls back). ``progress`` is called with each line's length in bytes.
    """
    here = count_corpus()
    if any(here.values()):
        held = ", ".join(f"{n} {name.replace('_', ' ')}(s)" for name, n in here.items() if n)
        raise CorpusImportError(f"corpus import needs an empty instance; this one holds {held}")
    models = {name: (model, {c.key: (_python_type(c), c) for c in _columns(model, secret)})
              for name, model, secret in TABLES}
    batch, batch_record, counts = [], None, dict.fromkeys(RECORDS, 0)
    later = []  # (id, reference) of the table being read: few rows (merges, comments)
    number = 0
    try:
        for number, record, row in read_records(_counted(lines, progress), RECORDS):
            if record != batch_record:
                _insert(models, batch_record, batch)
                _set_later(models, batch_record, later)
                batch, batch_record, later = [], record, []
            values = _row(models[record], row, number)
            if values.get(LATER.get(record)) is not None:
                later.append({"row_id": values["id"], "ref": values[LATER[record]]})
                values[LATER[record]] = None
            batch.append(values)
            counts[record] += 1
            if len(batch) >= BATCHES.get(record, BATCH):
                _insert(models, batch_record, batch)
                batch = []
        _insert(models, batch_record, batch)
        _set_later(models, batch_record, later)
    except CorpusError as exc:
        raise CorpusImportError(str(exc)) from None
    except DBAPIError as exc:  # a reference to a row the file does not hold, a value too long
        reason = str(exc.orig).splitlines()[0][:200]
        raise CorpusImportError(f"near line {number}: the rows do not fit together "
                                f"({reason})") from None
    advance_sequences(model.__table__.name for _, model, _ in TABLES)
    from .reports import record_matches  # derived from the texts: not in the file
    record_matches()
    return counts


def _counted(lines, progress):
    for line in lines:
        if progress:
            progress(len(line))
        yield line


def _row(model_columns, row, number):
    """Return a record's row as database values: every column, defaults where missing."""
    _, columns = model_columns
    unknown = set(row) - set(columns)
    if unknown:
        raise CorpusError(f"line {number}: unknown field {sorted(unknown)[0][:40]!r}")
    values = {}
    try:
        for key, (python_type, column) in columns.items():
            if key in row:
                values[key] = decode(row[key], python_type, key) if python_type else row[key]
            else:
                values[key] = _default(column)
    except CorpusError as exc:
        raise CorpusError(f"line {number}: {exc}") from None
    return values


def _python_type(column):
    """Return the Python type a column holds, or None for any JSON value."""
    kind = column.type
    if isinstance(kind, TypeDecorator):  # UTCDateTime: a datetime underneath
        kind = kind.impl
    try:
        python_type = kind.python_type
    except NotImplementedError:
        return None
    return None if python_type is object else python_type


def _default(column):
    """The value a column takes when a (older) corpus file does not give it."""
    default = column.default
    if default is None:
        return None
    return default.arg(None) if default.is_callable else default.arg


def _insert(models, record, rows):
    if rows:
        model, _ = models[record]
        table = model.__table__
        if record == "user":  # accounts come without their secret
            rows = [{**row, "password_hash": NO_PASSWORD} for row in rows]
        elif record == "annotation":  # safe HTML is made here, never read from a file
            rows = [{**row, "body_html": render_markdown(row["body"] or "")} for row in rows]
        db.session.execute(insert(table), rows)


def _set_later(models, record, pairs):
    """Set the references to rows of the same table held back while it was inserted."""
    if pairs:
        table = models[record][0].__table__
        column = LATER[record]
        db.session.execute(update(table).where(table.c.id == bindparam("row_id"))
                           .values({column: bindparam("ref")}), pairs)


def advance_sequences(tables):
    """After rows were inserted with explicit ids, move PostgreSQL's id sequences past them."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        # never move a sequence backwards (a concurrent save may hold the next id already)
        sequence = f"pg_get_serial_sequence('{table}', 'id')"
        db.session.execute(sql(
            f"SELECT setval({sequence}, GREATEST("
            f"COALESCE((SELECT MAX(id) FROM {table}), 0), "
            f"COALESCE(pg_sequence_last_value({sequence}::regclass), 0)) + 1, false)"
        ))
