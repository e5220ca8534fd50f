"""New annotations in bulk: each checked as ``create_annotation`` checks it, then written
with its first revision as plain rows, a batch at a time (an import of a large file).

The database's triggers on a new annotation (the search index, the kept counts, the
page cache's version) would run once per row: for a batch they are set aside while its
rows are inserted, and their work is then done for the whole batch in a few set-based
statements, in the same transaction, with the same result (``_per_row_work_deferred``).
"""

import json
from contextlib import contextmanager

from sqlalchemy import func, insert, select
from sqlalchemy import text as sql

from .. import counts, pagecache, search
from ..extensions import db
from ..models import Annotation, AnnotationRevision, utcnow
from ..sanitize import render_markdown
from ..text.canonical import quote_selector
from .annotations import EDITABLE, validate_annotation

BATCH = 1000  # rows queued before they are written: memory stays within a batch


class NewAnnotations:
    """New annotations queued as rows, written with their first revisions by ``write``."""

    def __init__(self):
        self._queued = []  # (annotation row, revision row)

    def __len__(self):
        return len(self._queued)

    def add(self, document, data, user=None, *, creator_name="", via=None, annotation_id=None,
            created=None, modified=None, extra=None, require=True):
        """Check ``data`` (ValidationError) and queue a new annotation on ``document``.

        The arguments are ``create_annotation``'s, and the row holds what it would store,
        its revision what it would keep. Returns the row (a dict; its ``id`` is set once
        written, unless given); a caller may still change its columns until then.
        """
        clean = validate_annotation(document, data, user, require)
        created = created or utcnow()
        modified = modified or created
        row = {"id": annotation_id, "document_id": document.id, "via": via, "extra": extra,
               "creator_id": user.id if user else None,
               "creator_name": creator_name or (user.public_name if user else ""),
               **{field: clean[field] for field in EDITABLE},
               "body_html": render_markdown(clean["body"]), "orphan": False,
               "anchor_state": "unchanged", "needs_check": False, "version": 1,
               "created_at": created, "modified_at": modified}
        if clean["start"] is not None:
            _, row["prefix"], row["suffix"] = quote_selector(document.text, clean["start"],
                                                             clean["end"])
        else:
            row["prefix"] = row["suffix"] = ""
        if user is not None:
            row["change_authors"] = [user.id]  # else SQL NULL, as the model leaves it
        revision = {"version": 1, "action": "created", "changed": [],
                    "snapshot": {field: clean[field] for field in EDITABLE}, "comment": None,
                    "user_id": user.id if user else None, "created_at": modified}
        self._queued.append((row, revision))
        return row

    def write(self):
        """Insert the queued rows and their revisions: a few statements per batch, the
        ids the rows lack taken from the database in one more.

        Nothing of the session is flushed meanwhile: a note it holds unwritten gets its
        id when it is flushed, after these rows, as it always has.
        """
        if not self._queued:
            return
        with db.session.no_autoflush:
            self._write(db.session.connection())

    def _write(self, connection):
        table = Annotation.__table__
        given = [row for row, _ in self._queued if row["id"] is not None]
        new = [row for row, _ in self._queued if row["id"] is None]
        for row, annotation_id in zip(new, _next_ids(table, len(new)) if new else (),
                                      strict=True):
            row["id"] = annotation_id
        ids = [row["id"] for row, _ in self._queued]
        # a savepoint of the connection (the session's would flush it first): should a
        # statement fail, the triggers set aside are back as they were
        with connection.begin_nested(), _per_row_work_deferred(connection, ids):
            for group in _same_columns(given):  # first, so new ids come after theirs, as ever
                connection.execute(_insert(table), group)
            for group in _same_columns(new):
                connection.execute(_insert(table), group)
            connection.execute(_insert(AnnotationRevision.__table__),
                               [{"annotation_id": row["id"], **revision}
                                for row, revision in self._queued])
        self._queued.clear()


def _insert(table):
    """An INSERT of many rows into ``table``: on PostgreSQL in statements of many rows each.

    psycopg sends the rows of a plain executemany one statement each, so the page
    cache's trigger, which runs per statement, would update its row once per note, in
    one transaction: each update slower than the last. With RETURNING, SQLAlchemy
    writes a batch's rows in a few multi-row statements instead.
    """
    statement = insert(table)
    if db.session.get_bind().dialect.name == "postgresql":
        statement = statement.returning(table.c.id)
    return statement


# SQLite: the triggers that run for each new annotation, and what does the same for many
SQLITE_INSERT_TRIGGERS = {
    "annotation_fts_insert": search.index_inserted,
    "counts_annotation_insert": counts.count_inserted,
    "annotations_insert_content_version": pagecache.bump_inserted,
}


@contextmanager
def _per_row_work_deferred(connection, ids):
    """Insert the annotations ``ids`` inside this block without the per-row work of their
    insert triggers, then do it for all of them at once.

    SQLite: the triggers are dropped and created again (their stored SQL) inside the
    transaction. Its DDL is transactional and a writer holds the only write lock until
    it commits, so no other connection ever writes without them, nor sees them gone.
    PostgreSQL: the counts trigger skips inserts while this transaction says so
    (``counts.COUNT_LATER``, a setting local to it; other connections' triggers count
    as ever); the search index is an index and the page cache's trigger runs per
    statement, so neither needs help. Should the database predate all this, the
    triggers do their work row by row, as before.
    """
    dialect = connection.dialect.name
    if dialect == "sqlite" and connection.connection.dbapi_connection.in_transaction:
        inserted = "a.id IN (SELECT value FROM json_each(:ids))"
        params = {"ids": json.dumps(ids)}
        names = ", ".join(f"'{name}'" for name in SQLITE_INSERT_TRIGGERS)
        found = connection.execute(sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
            f" AND tbl_name = 'annotations' AND name IN ({names}) ORDER BY rowid")).all()
        for name, _ in found:
            connection.exec_driver_sql(f'DROP TRIGGER "{name}"')
        yield
        for name, _ in found:
            SQLITE_INSERT_TRIGGERS[name](connection, inserted, params)
        for _, statement in found:
            connection.exec_driver_sql(statement)
    elif dialect == "postgresql" and counts.counts_later(connection):
        # the ids as one array: PostgreSQL looks each up by key, whatever plan it keeps
        inserted, params = "a.id = ANY(CAST(:ids AS bigint[]))", {"ids": ids}
        # the trigger waits for the commit (migration 0019), when the setting is off
        # again: have it run at each statement of the batch, while the setting is on
        connection.execute(sql("SET CONSTRAINTS counts_annotation IMMEDIATE"))
        connection.execute(sql("SELECT set_config(:name, 'on', true)"),
                           {"name": counts.COUNT_LATER})
        yield
        connection.execute(sql("SELECT set_config(:name, 'off', true)"),
                           {"name": counts.COUNT_LATER})
        connection.execute(sql("SET CONSTRAINTS counts_annotation DEFERRED"))
        counts.count_inserted(connection, inserted, params)
    else:
        yield


def _next_ids(table, n):
    """Return the next ``n`` ids of ``table``, as inserting without ids would give them."""
    if db.session.get_bind().dialect.name == "postgresql":
        return list(db.session.scalars(sql(
            "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
            {"table": table.name, "n": n}))
    # SQLite gives a row the largest id plus one; another writer meanwhile makes this
    # transaction's write fail (its snapshot is stale), so no id is ever taken twice
    start = db.session.scalar(select(func.coalesce(func.max(table.c.id), 0))) + 1
    return list(range(start, start + n))


def _same_columns(rows):
    """Return ``rows`` grouped by their keys (one INSERT takes one set of columns)."""
    groups = {}
    for row in rows:
        groups.setdefault(tuple(row), []).append(row)
    return list(groups.values())
