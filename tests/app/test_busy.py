"""A write that finds SQLite locked waits, runs again, and at worst answers 503 having changed nothing."""

import logging
import sqlite3
import threading

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from reader import create_app
from reader.database import is_transient, retry_transient
from reader.extensions import db
from reader.models import Annotation
from reader.services.documents import create_document
from reader.services.users import add_user, issue_token
from tests.conftest import PASSWORD, csrf_token, login

TEXT = "A title\n\nThe spokesman said the claims were absurd.\n"
WORDS = "the claims"


@pytest.fixture
def locked_app(tmp_path):
    """A SQLite app whose writers wait 0.1 s for the lock, its database and an editor's token."""
    path = tmp_path / "busy.sqlite"
    app = create_app({"DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": "test",
                      "TESTING": True, "RATELIMIT_ENABLED": False, "BASE_URL": "http://localhost",
                      "SQLITE_BUSY_TIMEOUT": 0.1})
    with app.app_context():
        upgrade()
        create_document(TEXT, {"title": "A title"})
        token = issue_token(add_user("eddie", PASSWORD), "tests")
        db.session.commit()
        db.session.remove()
    app.token, app.path = token, path
    yield app
    with app.app_context():
        db.engine.dispose()


class WriteLock:
    """Another process's write transaction on the database file, held until released."""

    def __init__(self, path):
        self.connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.connection.execute("BEGIN IMMEDIATE")

    def release(self, after=0.0):
        timer = threading.Timer(after, self.connection.commit)
        timer.start()
        return timer


def _post(client, app):
    start = TEXT.index(WORDS)
    return client.post("/annotations/", headers={"Authorization": f"Bearer {app.token}"}, json={
        "type": "Annotation", "bodyValue": "Which claims?",
        "target": {"source": "http://localhost/docs/a-title", "selector": [
            {"type": "TextPositionSelector", "start": start, "end": start + len(WORDS)}]}})


def _stored(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Annotation))


def test_a_write_runs_again_once_the_lock_is_released(locked_app, caplog):
    locked_app.config["DB_ATTEMPTS"] = 8  # waits of 0.1 s plus pauses from 0.05 s doubling
    lock = WriteLock(locked_app.path)
    lock.release(after=0.5).join(0)
    with caplog.at_level(logging.WARNING):
        response = _post(locked_app.test_client(), locked_app)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert "database busy (attempt 1 of 8)" in caplog.text  # it did meet the lock
    assert _stored(locked_app) == 1  # and wrote once, not once per attempt


def test_a_lock_that_outlasts_every_attempt_is_a_503_that_changed_nothing(locked_app):
    locked_app.config["DB_ATTEMPTS"] = 2
    client = locked_app.test_client()
    lock = WriteLock(locked_app.path)
    response = _post(client, locked_app)
    lock.release().join()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "2"
    assert response.get_json()["detail"].startswith("The database is busy; nothing was changed")
    assert _stored(locked_app) == 0
    assert _post(client, locked_app).status_code == 201  # the same request, once it is free
    assert _stored(locked_app) == 1


def test_the_editor_gets_the_same_503_as_json_and_as_a_page(locked_app):
    locked_app.config["DB_ATTEMPTS"] = 1
    client = locked_app.test_client()
    with locked_app.app_context():
        add_user("ed", PASSWORD)
        db.session.commit()
    assert login(client, "ed").status_code == 302
    token = csrf_token(client, "/docs/a-title")
    lock = WriteLock(locked_app.path)
    start = TEXT.index(WORDS)
    saved = client.post("/editor/api/docs/a-title/annotations", headers={"X-CSRFToken": token},
                        json={"kind": "note", "body": "Which?", "start": start,
                              "end": start + len(WORDS), "exact": WORDS})
    page = client.post("/editor/docs/a-title/edit", data={
        "csrf_token": token, "title": "Renamed", "outlet": "", "author": ""})
    lock.release().join()
    assert saved.status_code == 503 and saved.headers["Retry-After"] == "2"
    assert saved.get_json()["error"] == "Service Unavailable"
    assert page.status_code == 503 and page.headers["Retry-After"] == "2"
    assert "The database is busy; nothing was changed" in page.get_data(as_text=True)
    assert _stored(locked_app) == 0


def _raising(errors):
    calls = []

    def view():
        calls.append(1)
        if errors:
            raise errors.pop(0)
        return "done"
    return view, calls


class _Driver(Exception):
    def __init__(self, sqlite_errorcode=None, sqlstate=None):
        super().__init__("driver error")
        if sqlite_errorcode is not None:
            self.sqlite_errorcode = sqlite_errorcode
        if sqlstate is not None:
            self.sqlstate = sqlstate


@pytest.mark.parametrize("driver_error, transient", [
    (_Driver(sqlite_errorcode=5), True),  # SQLITE_BUSY
    (_Driver(sqlite_errorcode=517), True),  # SQLITE_BUSY_SNAPSHOT
    (_Driver(sqlite_errorcode=6), True),  # SQLITE_LOCKED
    (_Driver(sqlite_errorcode=1), False),  # SQLITE_ERROR: a bug, not a busy database
    (_Driver(sqlite_errorcode=13), False),  # SQLITE_FULL
    (_Driver(sqlstate="40001"), True),  # serialization failure
    (_Driver(sqlstate="40P01"), True),  # deadlock
    (_Driver(sqlstate="42P01"), False),  # undefined table
])
def test_which_driver_errors_are_run_again(driver_error, transient):
    assert is_transient(OperationalError("INSERT", {}, driver_error)) is transient


def test_only_transient_errors_run_the_view_again(app):
    view, calls = _raising([OperationalError("x", {}, _Driver(sqlite_errorcode=5))])
    assert retry_transient(view)() == "done" and len(calls) == 2
    view, calls = _raising([IntegrityError("x", {}, _Driver(sqlite_errorcode=19))])
    with pytest.raises(IntegrityError):
        retry_transient(view)()
    assert len(calls) == 1
