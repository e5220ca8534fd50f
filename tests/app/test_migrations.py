"""Migrations: upgrade, downgrade to nothing, upgrade again; the schema matches the models.

On a fresh SQLite file, and on PostgreSQL when DATABASE_URL points at it (in a schema
of its own, so the other tests' tables are not touched).
"""

import os
from datetime import datetime

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from reader import create_app
from reader.counts import corpus_totals, counts_later
from reader.extensions import db
from reader.models import Annotation, Document, DocumentCounts
from tests.conftest import postgres_schema, using_postgres


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A fresh, empty database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite'}"
    elif not using_postgres():
        pytest.skip("DATABASE_URL does not point at PostgreSQL")
    else:
        with postgres_schema(f"pytest_{os.getpid()}_migrations") as url:
            yield url


@pytest.fixture
def app(database_url):
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test"})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _search_index(name, type_, parent_names):
    """The search index (reader/search.py) is raw DDL, not models: leave it out."""
    return not (type_ in ("table", "index") and "_fts" in name)


def differences():
    """Return what alembic's autogenerate finds between the database and the models."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "include_name": _search_index, "compare_type": True,
            "compare_server_default": True})
        return compare_metadata(context, db.metadata)


def tables():
    return set(inspect(db.engine).get_table_names())


def test_upgrade_gives_the_models_schema(app):
    upgrade()
    assert differences() == []


def test_downgrade_to_base_then_upgrade_again(app):
    upgrade()
    downgrade(revision="base")
    assert tables() <= {"alembic_version"}
    upgrade()
    assert differences() == []
    assert {table.name for table in db.metadata.sorted_tables} <= tables()


def test_a_schema_that_differs_from_the_models_is_caught(app):
    upgrade()
    with db.engine.begin() as connection:
        connection.execute(text("DROP INDEX ix_api_tokens_user_id"))
    assert [diff[0] for diff in differences()] == ["add_index"]


def test_upgrade_renders_the_notes_already_stored(app):
    # 0004 adds the stored HTML of note bodies; notes written before it get theirs
    upgrade(revision="0003")
    documents = sa.table("documents", *(sa.column(c) for c in (
        "id", "slug", "title", "outlet", "author", "source_url", "text", "revision",
        "created_at", "modified_at")))
    annotations = sa.table("annotations", *(sa.column(c) for c in (
        "id", "document_id", "exact", "prefix", "suffix", "orphan", "anchor_state", "kind",
        "body", "tags", "status", "creator_name", "version", "created_at", "modified_at")))
    now = datetime(2026, 1, 1)
    with db.engine.begin() as connection:
        connection.execute(documents.insert().values(
            id=1, slug="d", title="D", outlet="", author="", source_url="", text="Words.\n",
            revision=1, created_at=now, modified_at=now))
        connection.execute(annotations.insert(), [
            {"id": i, "document_id": 1, "exact": "", "prefix": "", "suffix": "", "orphan": False,
             "anchor_state": "unchanged", "kind": "note", "body": body, "tags": "[]",
             "status": "published", "creator_name": "", "version": 1, "created_at": now,
             "modified_at": now}
            for i, body in enumerate(["*one* <script>x</script>", "", "[" * 9_990], start=1)])
    upgrade()
    with db.engine.connect() as connection:
        stored = dict(connection.execute(text("SELECT id, body_html FROM annotations")).all())
    assert stored == {1: "<p><em>one</em> x</p>", 2: "", 3: f"<p>{'[' * 9_990}</p>"}


def _upgraded_with_a_document(revision):
    """Upgrade to ``revision`` and add document 1, with no notes yet."""
    upgrade(revision=revision)
    with db.engine.begin() as connection:
        connection.execute(Document.__table__.insert(), {
            "id": 1, "slug": "d", "title": "D", "text": "Words.\n", "outlet": "", "author": "",
            "revision": 1})


def _publish(document_id, n):
    with db.engine.begin() as connection:
        connection.execute(Annotation.__table__.insert(), {
            "document_id": document_id, "start": 0, "end": 5, "exact": "Words", "kind": "note",
            "body": f"Note {n}", "body_html": f"<p>Note {n}</p>", "tags": [],
            "status": "published", "version": 1, "orphan": False, "anchor_state": "unchanged"})


def _corpus_rows():
    with db.engine.connect() as connection:
        return connection.execute(text("SELECT count(*), sum(published), sum(changes)"
                                       " FROM document_counts WHERE document_id <= 0")).one()


def test_the_corpus_counts_carry_over_into_their_rows_and_back(app, database_url):
    # 0018 spreads the corpus's counts over rows on PostgreSQL; the totals stay the same
    _upgraded_with_a_document("0017")
    _publish(1, 1)
    assert tuple(_corpus_rows())[:2] == (1, 1)
    upgrade()
    slots = 32 if database_url.startswith("postgresql") else 1
    assert _corpus_rows()[:2] == (slots, 1)
    assert corpus_totals().published == 1
    _publish(1, 2)
    totals = corpus_totals()
    assert (totals.published, totals.kind_note) == (2, 2)
    db.session.rollback()
    downgrade(revision="0017")
    rows, published, changes = _corpus_rows()
    assert (rows, published, changes) == (1, 2, totals.changes)
    _publish(1, 3)
    assert tuple(_corpus_rows())[:2] == (1, 3)


def _counts_trigger_deferred():
    with db.engine.connect() as connection:
        return connection.execute(text(
            "SELECT tgdeferrable AND tginitdeferred FROM pg_trigger"
            " WHERE tgname = 'counts_annotation' AND tgrelid = 'annotations'::regclass")).scalar()


def test_the_counts_trigger_waits_for_the_commit_on_postgresql_and_back(app, database_url):
    # 0019: the annotations' counts trigger runs at the commit on PostgreSQL; counts hold
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite keeps its triggers")
    _upgraded_with_a_document("0018")
    assert _counts_trigger_deferred() is False
    upgrade()
    assert _counts_trigger_deferred() is True
    _publish(1, 1)
    _publish(1, 2)
    assert corpus_totals().published == 2
    assert db.session.get(DocumentCounts, 1).notes == 2
    db.session.rollback()
    downgrade(revision="0018")
    assert _counts_trigger_deferred() is False
    _publish(1, 3)
    assert corpus_totals().published == 3


def _positions():
    with db.engine.connect() as connection:
        return connection.execute(text("SELECT block, sum(published) FROM annotation_positions"
                                       " GROUP BY block ORDER BY block")).all()


def test_the_container_positions_are_filled_then_kept(app, database_url):
    # 0020 counts the listed annotations per block of ids, from the rows already there
    _upgraded_with_a_document("0019")
    _publish(1, 1)
    _publish(1, 2)
    upgrade()
    assert _positions() == [(0, 2)]
    _publish(1, 3)
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE annotations SET status = 'draft' WHERE id = 1"))
        connection.execute(text("DELETE FROM annotations WHERE id = 2"))
    assert _positions() == [(0, 1)]
    downgrade(revision="0019")
    assert "annotation_positions" not in tables()


def test_the_counts_trigger_leaves_a_bulk_import_its_inserts_from_0021(app, database_url):
    # PostgreSQL: with 0021 the counts trigger skips inserts while the transaction says so
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite's bulk import sets its triggers aside: nothing to migrate")
    upgrade()
    with db.engine.connect() as connection:
        assert counts_later(connection)
    downgrade(revision="0020")
    with db.engine.connect() as connection:
        assert not counts_later(connection)
