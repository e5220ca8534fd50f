"""Failures answer clearly: a read-only database still serves readers, a database that is down
or refuses writes is a 503 with Retry-After (JSON to the APIs), files are the owner's alone."""

import os
import socket
import sqlite3
import stat

import pytest
from sqlalchemy import create_engine, make_url, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from reader import create_app
from reader.database import is_unavailable
from reader.extensions import db
from reader.models import Annotation, Document
from reader.services.users import add_user
from tests.conftest import PASSWORD, csrf_token, login, using_postgres


def _anonymous(app):
    return app.test_client()


def _published(app):
    annotation = db.session.scalars(select(Annotation).filter_by(status="published")
                                    .order_by(Annotation.id)).first()
    source_id = db.session.scalars(select(Annotation.source_id).where(
        Annotation.status == "published", Annotation.source_id.is_not(None))).first()
    return annotation, source_id


def _new_note(document):
    return {"type": "Annotation", "bodyValue": "Which talks?",
            "target": {"source": f"http://localhost/docs/{document.slug}",
                       "selector": {"type": "TextQuoteSelector",
                                    "exact": document.text[200:230]}}}


# --- a read-only SQLite database ------------------------------------------------------------

@pytest.fixture
def read_only_url(seeded, tmp_path, request):
    """The seeded database, read-only.

    SQLite: a copy not in WAL mode (so the WAL pragma would have to write), opened
    read-only by the URI's ``mode=ro``, or by the file's permissions. PostgreSQL: every
    transaction read-only, as on a standby.
    """
    if using_postgres():
        if request.param != "uri":
            pytest.skip("file permissions are SQLite's")
        url = make_url(db.engine.url.render_as_string(hide_password=False))
        return url.update_query_dict({"options": url.query["options"]
                                      + " -cdefault_transaction_read_only=on"}
                                     ).render_as_string(hide_password=False)
    copy = tmp_path / "read-only.sqlite"
    source = sqlite3.connect(db.engine.url.database)
    target = sqlite3.connect(copy)
    source.backup(target)
    target.execute("PRAGMA journal_mode=DELETE")
    target.close()
    source.close()
    if request.param == "uri":
        return f"sqlite:///file:{copy}?mode=ro&uri=true"
    if os.geteuid() == 0:
        pytest.skip("root writes to a file whatever its permissions")
    os.chmod(copy, 0o444)
    os.chmod(tmp_path, 0o555)  # no -journal file can be made beside it either
    request.addfinalizer(lambda: os.chmod(tmp_path, 0o755))
    return f"sqlite:///{copy}"


@pytest.mark.parametrize("read_only_url", ["uri", "chmod"], indirect=True)
def test_a_read_only_database_serves_readers(seeded, read_only_url, make_app):
    annotation, source_id = _published(seeded)
    slug = annotation.document.slug
    client = _anonymous(make_app(DATABASE_URL=read_only_url))
    for path in ("/", f"/docs/{slug}", f"/sources/{source_id}", "/stats", "/annotations/",
                 f"/annotations/{annotation.id}", f"/docs/{slug}/annotations.json",
                 "/search?q=NATO", "/healthz", "/login"):
        response = client.get(path)
        assert response.status_code == 200, path
    assert annotation.body[:20] in client.get(f"/docs/{slug}").get_data(as_text=True)


@pytest.mark.parametrize("read_only_url", ["uri"], indirect=True)
def test_writes_to_a_read_only_database_are_503_with_retry_after(seeded, token, read_only_url,
                                                                  make_app):
    document = db.session.scalars(select(Document).order_by(Document.id)).first()
    app = make_app(DATABASE_URL=read_only_url)
    api = app.test_client().post("/annotations/", json=_new_note(document),
                                 headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 503 and api.headers["Retry-After"].isdigit()
    assert api.is_json and "nothing was changed" in api.json["detail"]

    client = app.test_client()
    assert login(client).status_code == 302  # signing in only reads
    page = client.post(f"/editor/docs/{document.slug}/edit", data={
        "title": "A new title", "csrf_token": csrf_token(client, f"/editor/docs/{document.slug}/edit")})
    assert page.status_code == 503 and page.headers["Retry-After"].isdigit()
    assert page.mimetype == "text/html" and "not available" in page.get_data(as_text=True)
    editor_json = client.post(f"/editor/api/docs/{document.slug}/annotations", json={
        "kind": "note", "body": "x", "start": 0, "end": 5},
        headers={"X-CSRFToken": csrf_token(client, f"/docs/{document.slug}")})
    assert editor_json.status_code == 503 and editor_json.is_json
    assert db.session.scalar(select(Document.title).filter_by(id=document.id)) == document.title


# --- PostgreSQL down --------------------------------------------------------------------------

@pytest.fixture
def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def down_app(closed_port):
    app = create_app({"TESTING": True, "SECRET_KEY": "test secret", "SERVER_NAME": "localhost",
                      "DATABASE_URL": f"postgresql://postgres@127.0.0.1:{closed_port}/test"})
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a server error is a 500 to see, not a raise
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("path, json", [
    ("/", False), ("/docs/any", False), ("/sources/1", False), ("/stats", False),
    ("/search?q=nato", False), ("/annotations/", True), ("/annotations/1", True),
    ("/docs/any/annotations.json", True), ("/healthz", True),
])
def test_postgresql_down_is_503_with_retry_after(down_app, path, json):
    response = down_app.test_client().get(path)
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert response.is_json is json, response.get_data(as_text=True)[:200]


def test_postgresql_down_answers_api_writes_and_signed_in_pages_with_503(down_app, app, editor):
    client = down_app.test_client()
    write = client.post("/annotations/", json={"type": "Annotation"},
                        headers={"Authorization": "Bearer some-token"})
    assert write.status_code == 503 and write.is_json and write.headers["Retry-After"]
    # an editor's session from before the outage: the page cannot load the account either
    signed_in = app.test_client()
    assert login(signed_in).status_code == 302
    client.set_cookie("session", signed_in.get_cookie("session").value, domain="localhost")
    page = client.get("/docs/any")
    assert page.status_code == 503 and "not available" in page.get_data(as_text=True)
    editor_json = client.get("/editor/api/sources?q=x")
    assert editor_json.status_code == 503 and editor_json.is_json



@pytest.mark.skipif(not using_postgres(), reason="a database server's connections")
@pytest.mark.parametrize("ping_idle, after_the_cut", [(0.0, 200), (3600.0, 503)])
def test_a_pooled_connection_the_server_cut_is_replaced(seeded, make_app, ping_idle, after_the_cut):
    # a connection idle for DB_PING_IDLE seconds is checked before use, and replaced if
    # the server cut it; one in steady use is not: its next request is a 503, the one
    # after gets a new connection
    name = f"ping_{os.getpid()}"
    url = make_url(seeded.config["DATABASE_URL"]).update_query_dict({"application_name": name})
    other = make_app(DATABASE_URL=url.render_as_string(hide_password=False),
                     DB_PING_IDLE=ping_idle, PAGE_CACHE=False)
    client = other.test_client()
    assert client.get("/annotations/").status_code == 200
    killer = create_engine(url, poolclass=NullPool)
    with killer.begin() as connection:  # as a restarted server or a failover would
        cut = connection.execute(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE application_name = :name AND pid <> pg_backend_pid()"), {"name": name})
        assert cut.scalar() == 1
    killer.dispose()
    response = client.get("/annotations/")
    assert response.status_code == after_the_cut
    if after_the_cut == 503:
        assert response.is_json and int(response.headers["Retry-After"]) > 0
    assert client.get("/annotations/").status_code == 200

class _Driver(Exception):
    def __init__(self, sqlite_errorcode=None, sqlstate=None):
        super().__init__("driver error")
        if sqlite_errorcode is not None:
            self.sqlite_errorcode = sqlite_errorcode
        if sqlstate is not None:
            self.sqlstate = sqlstate


@pytest.mark.parametrize("driver_error, unavailable", [
    (_Driver(sqlite_errorcode=8), True),  # SQLITE_READONLY
    (_Driver(sqlite_errorcode=8 | 1 << 8), True),  # SQLITE_READONLY_RECOVERY
    (_Driver(sqlite_errorcode=14), True),  # SQLITE_CANTOPEN
    (_Driver(sqlite_errorcode=13), True),  # SQLITE_FULL
    (_Driver(sqlite_errorcode=1), False),  # SQLITE_ERROR: a bug
    (_Driver(sqlite_errorcode=19), False),  # SQLITE_CONSTRAINT
    (_Driver(), True),  # no server answered (psycopg: no SQLSTATE)
    (_Driver(sqlstate="08006"), True),  # connection failure
    (_Driver(sqlstate="57P01"), True),  # admin shutdown
    (_Driver(sqlstate="57P03"), True),  # cannot connect now (starting up)
    (_Driver(sqlstate="25006"), True),  # read-only transaction (a standby)
    (_Driver(sqlstate="53300"), True),  # too many connections
    (_Driver(sqlstate="42P01"), False),  # undefined table: a bug
    (_Driver(sqlstate="23505"), False),  # unique violation
])
def test_which_driver_errors_mean_the_database_is_unavailable(driver_error, unavailable):
    assert is_unavailable(OperationalError("SELECT", {}, driver_error)) is unavailable


# --- files --------------------------------------------------------------------------------------

def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_new_sqlite_database_and_its_wal_files_are_the_owners_alone(tmp_path):
    path = tmp_path / "new.sqlite"
    app = create_app({"DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": "x"})
    with app.app_context():
        db.create_all()
        add_user("someone", PASSWORD)
        db.session.commit()
        files = sorted(p.name for p in tmp_path.iterdir())
        assert files == ["new.sqlite", "new.sqlite-shm", "new.sqlite-wal"]
        assert {name: _mode(tmp_path / name) for name in files} == dict.fromkeys(files, 0o600)
        db.engine.dispose()


def test_a_backup_is_the_owners_alone(seeded, runner, tmp_path):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only: PostgreSQL is backed up with pg_dump")
    target = tmp_path / "backup.sqlite"
    assert runner.invoke(args=["backup", str(target)]).exit_code == 0
    assert _mode(target) == 0o600
    assert all(_mode(p) == 0o600 for p in tmp_path.glob("backup.sqlite*"))


# --- the link form --------------------------------------------------------------------------

@pytest.mark.parametrize("source_id, message", [
    ("abc", "“abc” is not a source id"), ("-3", "“-3” is not a source id"),
    ("2147483648", "there is no source 2147483648"), ("999", "there is no source 999"),
])
def test_a_bad_source_on_the_link_form_is_422_with_a_message(seeded, editor_client, source_id,
                                                             message):
    documents = db.session.scalars(select(Document).order_by(Document.id)).all()
    count = db.session.query(Annotation).count()
    response = editor_client.post(f"/editor/docs/{documents[0].slug}/link", data={
        "csrf_token": csrf_token(editor_client, f"/docs/{documents[0].slug}"),
        "start": 0, "end": 5, "other": documents[1].slug, "other_start": 0, "other_end": 5,
        "source_id": source_id, "relation": "translation", "other_relation": "translation"})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.query(Annotation).count() == count


@pytest.mark.parametrize("seconds", ["soon", -1, None])
def test_a_bad_ping_idle_setting_stops_the_app_at_start(tmp_path, seconds):
    with pytest.raises(ValueError, match="READER_DB_PING_IDLE"):
        create_app({"TESTING": True, "SECRET_KEY": "x", "DB_PING_IDLE": seconds,
                    "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}"})
