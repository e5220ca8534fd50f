"""Anonymous readers' pages kept in memory: served fast, but never after their data changed."""

import logging
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.pool import NullPool

from reader.extensions import db
from reader.models import content_version
from reader.pagecache import CONTENT_TABLES, VERSION_SLOTS, PageCache
from reader.services.annotations import create_annotation
from reader.services.documents import create_document
from reader.services.sources import create_source
from tests.conftest import login, using_postgres

TEXT = "A title\n\nThe spokesman said the claims were absurd.\n"
PAGE = "/docs/a-title"


@pytest.fixture
def doc(app):
    document = create_document(TEXT, {"title": "A title"})
    db.session.commit()
    return document


@contextmanager
def statements(app):
    """Collect the SQL statements the app runs inside the block."""
    seen = []

    def collect(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)
    engine = db.engine
    event.listen(engine, "before_cursor_execute", collect)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", collect)


def _note(document, body, status="published"):
    start = TEXT.index("the claims")
    annotation = create_annotation(document, {
        "kind": "note", "body": body, "status": status, "start": start,
        "end": start + len("the claims"), "exact": "the claims"})
    db.session.commit()
    return annotation


def _in_another_process(app, sql):
    """Write with a connection of its own, as the CLI or a second server would."""
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], poolclass=NullPool)
    with engine.begin() as connection:
        connection.execute(text(sql))
    engine.dispose()
    db.session.remove()  # the test's open app context would keep the old rows in its session


def test_a_second_visit_is_served_without_rendering(doc, client):
    first = client.get(PAGE)
    with statements(client.application) as seen:
        second = client.get(PAGE)
    assert second.status_code == 200
    assert second.get_data() == first.get_data()
    assert second.headers["ETag"] == first.headers["ETag"]
    assert second.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
    assert len(seen) == 1 and "content_version" in seen[0]  # no page queries at all
    assert second.headers["X-Request-Id"] != first.headers["X-Request-Id"]


def test_a_published_note_shows_on_the_next_visit(doc, client):
    assert "Which claims?" not in client.get(PAGE).get_data(as_text=True)
    _note(doc, "Which claims?")
    assert "Which claims?" in client.get(PAGE).get_data(as_text=True)


def test_a_change_by_another_process_shows_on_the_next_visit(app, doc, client):
    client.get(PAGE)
    client.get("/")
    _in_another_process(app, "UPDATE documents SET title = 'Renamed elsewhere'")
    assert "Renamed elsewhere" in client.get(PAGE).get_data(as_text=True)
    assert "Renamed elsewhere" in client.get("/").get_data(as_text=True)


def test_a_deleted_document_is_a_404_not_its_kept_page(app, doc, client):
    assert client.get(PAGE).status_code == 200
    _in_another_process(app, "DELETE FROM documents")
    assert client.get(PAGE).status_code == 404


@pytest.mark.parametrize("table", CONTENT_TABLES)
def test_every_write_to_what_readers_see_moves_the_version(app, doc, editor, table):
    _note(doc, "a note")  # a row in every table
    create_source({"title": "Press conference"})
    db.session.commit()
    before = db.session.scalar(content_version())
    _in_another_process(app, f"UPDATE {table} SET id = id")
    assert db.session.scalar(content_version()) > before


@pytest.mark.skipif(not using_postgres(), reason="SQLite has one writer at a time anyway")
def test_writers_at_once_do_not_wait_for_each_other_and_each_moves_the_version(app, doc):
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], poolclass=NullPool)
    before = db.session.scalar(content_version())
    db.session.rollback()
    writers, slots = [], set()
    try:
        while len(writers) < 2:  # two connections whose backends bump different rows
            connection = engine.connect()
            slot = connection.execute(text(f"SELECT pg_backend_pid() % {VERSION_SLOTS}")).scalar()
            if slot in slots:
                connection.close()
                continue
            slots.add(slot)
            writers.append(connection)
        for n, connection in enumerate(writers):
            connection.rollback()
            # waiting for the other writer's row would fail here instead of hanging
            connection.execute(text("SET LOCAL lock_timeout = '5s'"))
            connection.execute(text(f"UPDATE documents SET title = 'Writer {n}'"
                                    if n == 0 else "UPDATE sources SET title = title"))
            connection.execute(text(f"UPDATE annotations SET body = 'writer {n}'"))
        # neither has committed: readers see the version as it was
        assert db.session.scalar(content_version()) == before
        db.session.rollback()
        writers[0].commit()
        assert db.session.scalar(content_version()) > before
        db.session.rollback()
        middle = db.session.scalar(content_version())
        db.session.rollback()
        writers[1].commit()
        assert db.session.scalar(content_version()) > middle
    finally:
        for connection in writers:
            connection.close()
        engine.dispose()


def test_a_rolled_back_write_leaves_the_version(app, doc):
    before = db.session.scalar(content_version())
    db.session.execute(text("UPDATE documents SET title = 'never'"))
    db.session.rollback()
    assert db.session.scalar(content_version()) == before


def test_editors_and_readers_never_get_each_others_pages(doc, client, editor):
    _note(doc, "Draft only", status="draft")
    assert "Draft only" not in client.get(PAGE).get_data(as_text=True)  # kept for readers
    login(client)
    as_editor = client.get(PAGE)
    assert "Draft only" in as_editor.get_data(as_text=True)
    assert as_editor.headers["Cache-Control"] == "private, no-store"
    client.post("/logout", data={})
    client.delete_cookie("session", domain="localhost")
    assert "Draft only" not in client.get(PAGE).get_data(as_text=True)


def test_a_page_is_kept_per_host(doc, client):
    client.get(PAGE)
    with statements(client.application) as seen:
        client.get(PAGE, headers={"Host": "forged.example"})
    assert len(seen) > 1  # rendered for that host, not served the other's page


def test_a_token_bearer_is_never_served_a_kept_page(doc, client, token):
    client.get(PAGE)
    with statements(client.application) as seen:
        client.get(PAGE, headers={"Authorization": f"Bearer {token}"})
    assert len(seen) > 1  # rendered for them


def test_a_kept_page_answers_304_and_head_like_the_app(doc, client):
    etag = client.get(PAGE).headers["ETag"]
    with statements(client.application) as seen:
        again = client.get(PAGE, headers={"If-None-Match": etag})
        head = client.head(PAGE)
    assert len(seen) == 2  # the version, twice
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag and "Content-Type" not in again.headers
    assert head.status_code == 200 and head.get_data() == b""
    assert int(head.headers["Content-Length"]) > 1000


def test_each_kept_page_served_writes_its_own_log_line(doc, client, caplog):
    client.get(PAGE)
    with caplog.at_level(logging.INFO, logger="reader.request"):
        response = client.get(PAGE + "?kind=note", headers={"X-Request-Id": "first"})
        response = client.get(PAGE + "?kind=note", headers={"X-Request-Id": "kept"})
    lines = [r.getMessage() for r in caplog.records if r.name == "reader.request"]
    assert response.headers["X-Request-Id"] == "kept"
    assert len(lines) == 2 and lines[1].endswith("request_id=kept")
    assert f'"GET {PAGE}?kind=note" 200' in lines[1]


def test_static_files_do_not_read_the_version(doc, client):
    with statements(client.application) as seen:
        response = client.get("/static/reader.js")
        response.close()
    assert response.status_code == 200 and seen == []


def test_errors_searches_and_writes_are_not_kept(doc, client):
    client.get("/docs/missing")
    client.get("/search?q=claims")
    for path in ("/docs/missing", "/search?q=claims"):
        with statements(client.application) as seen:
            client.get(path)
        assert len(seen) > 1, path


def test_the_oldest_pages_go_first_when_memory_is_full():
    pages = {f"/p{i}": f"page {i}".encode() * 100 for i in range(5)}

    def app(environ, start_response):
        environ["reader.cacheable"] = True
        start_response("200 OK", [("Content-Type", "text/html")])
        return [pages[environ["PATH_INFO"]]]

    class Engine:
        def connect(self):
            return Connection()

    class Connection:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def execute(self, statement):
            return self

        def scalar(self):
            return 1

    cache = PageCache(app, Engine(), ["session"], max_bytes=1500)
    for path in pages:
        cache({"REQUEST_METHOD": "GET", "PATH_INFO": path}, lambda *a: None)
    assert [key[0] for key in cache.entries] == ["/p3", "/p4"]  # 600 bytes each
    assert cache.size == 1200


def test_behind_a_proxy_a_kept_page_logs_the_client_address(doc, make_app, caplog):
    client = make_app(PROXY_FIX=True).test_client()
    client.get(PAGE)
    with caplog.at_level(logging.INFO, logger="reader.request"):
        client.get(PAGE, headers={"X-Forwarded-For": "203.0.113.9"})
    (line,) = [r.getMessage() for r in caplog.records if r.name == "reader.request"]
    assert line.startswith('203.0.113.9 "GET /docs/a-title" 200')


def test_the_cache_can_be_turned_off(app, make_app):
    assert isinstance(app.wsgi_app, PageCache)
    assert not isinstance(make_app(PAGE_CACHE=False).wsgi_app, PageCache)
