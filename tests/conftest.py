"""Fixtures: an app on a fresh database, its client and CLI runner, editors, the seeds."""

import json
import os
import re
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import g
from sqlalchemy import create_engine, event, make_url, text
from sqlalchemy.pool import NullPool

from reader import create_app
from reader.config import normalise_database_url
from reader.counts import add_corpus_slots
from reader.extensions import db
from reader.services.documents import import_paths
from reader.services.interchange import import_annotations
from reader.services.users import add_user, issue_token

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SEED_FILES = sorted(SEEDS.glob("*.txt"))
SEED_ANNOTATIONS = SEEDS / "annotations.jsonld"
DATA = Path(__file__).resolve().parent / "data"
# the W3C Web Annotation conformance suite with its validator, as the project was given it
W3C_VALIDATOR = Path(__file__).resolve().parent / "w3c-annotation-tests" / "validate.py"
PASSWORD = "correct horse battery"
BASE = "http://localhost"


def schema_url(url, schema):
    """Return PostgreSQL ``url`` whose connections work in ``schema`` and are named after it."""
    return make_url(url).update_query_dict({
        "options": f"-csearch_path={schema}", "application_name": schema,
    }).render_as_string(hide_password=False)


@contextmanager
def postgres_schema(schema):
    """Create an empty schema ``schema`` in DATABASE_URL's database; drop it on the way out.

    Yield the URL whose connections use it. Each test run works in a schema of its
    own, so runs at the same time (or other tests' DROP SCHEMA public) leave it alone.
    """
    url = os.environ["DATABASE_URL"]
    engine = create_engine(normalise_database_url(url), poolclass=NullPool)
    try:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        yield schema_url(url, schema)
    finally:
        with engine.begin() as connection:
            # a connection some test leaked would hold locks that DROP SCHEMA waits for
            connection.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name = :name AND pid <> pg_backend_pid()"), {"name": schema})
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


@contextmanager
def fresh_database(folder, name):
    """Yield the URL of a new database: a SQLite file in ``folder``, or on PostgreSQL a schema."""
    if using_postgres():
        with postgres_schema(f"{name}_{os.getpid()}") as url:
            yield url
    else:
        yield f"sqlite:///{Path(folder) / name}.sqlite"


@contextmanager
def sql_statements():
    """Collect the SQL statements the app's engine sends from this thread (the test
    client's requests run in it, a background thread's work does not) while the block
    runs (a list)."""
    seen = []
    thread = threading.get_ident()

    def keep(conn, cursor, statement, *args):
        if threading.get_ident() == thread:
            seen.append(statement)
    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)


@contextmanager
def rows_skipped():
    """Collect the rows each SQL statement skips with OFFSET (its last parameter) while the
    block runs (a list: 0 for a statement with OFFSET 0)."""
    skipped = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if " OFFSET " in statement:
            values = parameters.values() if isinstance(parameters, dict) else parameters
            skipped.append(list(values)[-1])
    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        yield skipped
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)


@contextmanager
def driver_statements():
    """Collect every statement the database driver runs while the block runs (a list): on
    the cursors SQLAlchemy opens, and on those code opens on the driver's connection
    itself, which SQLAlchemy's events never see (the W3C export reads its rows through
    one). For the connections the pool hands out during the block: SQLite's trace of
    every statement begun (a trigger's start shows as its statement again), psycopg's
    cursors (client and server side) counting their ``execute``."""
    seen = []
    saved = {}

    def counting(base):
        class Counting(base):
            def execute(self, query, *args, **kwargs):
                seen.append(str(query))
                return super().execute(query, *args, **kwargs)
        return Counting

    def watch(dbapi_connection, record, proxy):
        if hasattr(dbapi_connection, "set_trace_callback"):  # sqlite3
            dbapi_connection.set_trace_callback(seen.append)
        else:  # psycopg
            saved[id(dbapi_connection)] = (dbapi_connection.cursor_factory,
                                           dbapi_connection.server_cursor_factory)
            dbapi_connection.cursor_factory = counting(dbapi_connection.cursor_factory)
            dbapi_connection.server_cursor_factory = counting(
                dbapi_connection.server_cursor_factory)

    def unwatch(dbapi_connection, record):
        if hasattr(dbapi_connection, "set_trace_callback"):
            dbapi_connection.set_trace_callback(None)
        elif id(dbapi_connection) in saved:
            (dbapi_connection.cursor_factory,
             dbapi_connection.server_cursor_factory) = saved.pop(id(dbapi_connection))
    event.listen(db.engine, "checkout", watch)
    event.listen(db.engine, "checkin", unwatch)
    try:
        yield seen
    finally:
        event.remove(db.engine, "checkout", watch)
        event.remove(db.engine, "checkin", unwatch)


def ids_given(connection, table):
    """After rows inserted with their ids given: on PostgreSQL move ``table``'s id sequence
    past them, so the next row the app adds takes a free id (SQLite takes max + 1 anyway)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                                f" (SELECT max(id) FROM {table}))"))


def get_statements(client, path):
    """How many SQL statements a GET of ``path`` runs (it must answer 200)."""
    with sql_statements() as seen:
        assert client.get(path).status_code == 200
    return len(seen)


def using_postgres():
    """True when DATABASE_URL points the tests at PostgreSQL."""
    return (os.environ.get("DATABASE_URL") or "").startswith(("postgres://", "postgresql"))


@pytest.fixture(scope="session")
def postgres_url():
    """On PostgreSQL, the URL of this run's schema, its tables created once; else None."""
    if not using_postgres():
        yield None
        return
    with postgres_schema(f"pytest_{os.getpid()}") as url:
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "test secret"})
        with app.app_context():
            db.create_all()
            db.engine.dispose()
        yield url


def _empty_tables():
    """Delete every row and restart the id sequences, as on new tables.

    Measured over 200 tests that do nothing else, per test: new tables (drop and
    create the schema) 70-130 ms, TRUNCATE ... RESTART IDENTITY CASCADE 38 ms, this
    22 ms (a new SQLite file: 19 ms). DELETE also takes no ACCESS EXCLUSIVE lock, so a
    connection some test left in a transaction cannot hang the next test's reset.
    """
    tables = db.metadata.sorted_tables
    # rows a leaked connection still has locked: fail this test rather than hang the run
    db.session.execute(text("SET LOCAL lock_timeout = '10s'"))
    # the counts' trigger on annotations waits for the commit (counts.py): count the
    # deleted rows now, before their counts rows are deleted and made again below
    db.session.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))
    # the corpus's change counter never goes back: what is kept under it stays apart
    changes = db.session.scalar(text("SELECT sum(changes) FROM document_counts"
                                     " WHERE document_id <= 0"))
    for table in reversed(tables):
        if table.name != "content_version":  # its one row is the page cache's version
            db.session.execute(table.delete())
    db.session.execute(text("INSERT INTO document_counts (document_id, changes) VALUES (0, :n)"),
                       {"n": (changes or 0) + 1})  # the whole corpus
    add_corpus_slots(db.session.connection())
    db.session.execute(text("SELECT " + ", ".join(
        f"setval(pg_get_serial_sequence('{table.name}', 'id'), 1, false)"
        for table in tables if "id" in table.c)))
    db.session.commit()


@pytest.fixture
def app(tmp_path, postgres_url):
    """The app on an empty database: this run's PostgreSQL schema, else a new SQLite file."""
    app = create_app({
        "TESTING": True,
        "DATABASE_URL": postgres_url or f"sqlite:///{tmp_path / 'test.sqlite'}",
        "SECRET_KEY": "test secret",
        "BASE_URL": BASE,
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": "localhost",
    })
    # the test keeps one app context open across requests, so forget what a request
    # left in g (the signed-in user, the CSRF token), as a fresh context would
    app.teardown_request(_forget_request_state)
    with app.app_context():
        if postgres_url:
            _empty_tables()
        else:
            db.create_all()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def make_app(app):
    """Build a second app on the test database with some settings changed."""
    made = []

    def make(**settings):
        other = create_app({**app.config, "SERVER_NAME": None, **settings})
        made.append(other)
        return other

    yield make
    for other in made:
        with other.app_context():
            db.engine.dispose()


def _forget_request_state(exc):
    for key in ("_login_user", "csrf_token", "csrf_valid"):
        g.pop(key, None)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def seeded(app):
    """The five seed documents and their example annotations."""
    results = import_paths([SEEDS])
    assert all(r.action == "created" for r in results), results
    with SEED_ANNOTATIONS.open(encoding="utf-8") as handle:
        import_annotations(json.load(handle), BASE)
    db.session.commit()
    return app


@pytest.fixture
def editor(app):
    user = add_user("eddie", PASSWORD, "editor", "Eddie Editor")
    db.session.commit()
    return user


@pytest.fixture
def admin(app):
    user = add_user("ada", PASSWORD, "admin", "Ada Admin")
    db.session.commit()
    return user


@pytest.fixture
def frank(app):
    """A second editor, to review or discuss what eddie wrote."""
    user = add_user("frank", PASSWORD, "editor", "Frank Factchecker")
    db.session.commit()
    return user


@pytest.fixture
def token(editor):
    value = issue_token(editor, "tests")
    db.session.commit()
    return value


def csrf_token(client, path="/login"):
    """Return the CSRF token of the form on ``path``."""
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def login(client, name="eddie", password=PASSWORD):
    """Sign in through the form; return the response."""
    return client.post("/login", data={"name": name, "password": password,
                                       "csrf_token": csrf_token(client)})


@pytest.fixture
def editor_client(client, editor):
    assert login(client).status_code == 302
    return client


@pytest.fixture
def page_server():
    """A local HTTP server: ``add(path, body)`` serves a page, ``url(path)`` is its address."""
    from tests.pages_server import PageServer
    with PageServer() as server:
        yield server
