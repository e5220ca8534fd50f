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
from reader.extensions import db
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
