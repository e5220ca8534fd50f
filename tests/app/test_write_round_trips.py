"""What one API write costs the database, counted: one transaction, a few statements, and
an answer built from what was written rather than read back after the commit."""

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from reader.extensions import db
from reader.services.documents import create_document
from tests.app.test_protocol import TEXT, _anno, _auth

MAX_STATEMENTS = 5  # the token and its user, the document, the note, its revision


@pytest.fixture
def doc(app):
    document = create_document(TEXT, {"title": "A title"})
    db.session.commit()
    return document


@contextmanager
def work(app):
    """Collect each statement and each transaction's start and commit inside the block."""
    seen = []
    engine = db.engine

    def statement(conn, cursor, sql, *args):
        seen.append(sql.split(None, 1)[0].upper())

    def begin(conn):
        seen.append("BEGIN")

    def commit(conn):
        seen.append("COMMIT")

    listeners = (("before_cursor_execute", statement), ("begin", begin), ("commit", commit))
    for name, listener in listeners:
        event.listen(engine, name, listener)
    try:
        yield seen
    finally:
        for name, listener in listeners:
            event.remove(engine, name, listener)


def test_a_post_is_one_transaction_and_nothing_is_read_after_its_commit(app, client, doc, token):
    db.session.remove()  # as in a server: nothing of the test's own loaded beforehand
    with work(app) as seen:
        created = client.post("/annotations/", json=_anno(body="A *new* note"),
                              headers=_auth(token))
    assert created.status_code == 201
    assert seen[0] == "BEGIN" and seen[-1] == "COMMIT" and seen.count("BEGIN") == 1
    assert len(seen) - 2 <= MAX_STATEMENTS, seen
    assert seen.count("INSERT") == 2  # the note and its revision
    # what it answered is what a new request reads back
    db.session.remove()
    again = client.get(created.headers["Location"])
    assert again.get_json() == created.get_json()
    assert again.headers["ETag"] == created.headers["ETag"]
    assert again.headers["Last-Modified"] == created.headers["Last-Modified"]


def test_a_put_answers_its_new_version_without_reading_it_back(app, client, doc, token):
    created = client.post("/annotations/", json=_anno(body="first"), headers=_auth(token))
    db.session.remove()
    with work(app) as seen:
        edited = client.put(created.headers["Location"], json=_anno(body="second"),
                            headers={**_auth(token), "If-Match": created.headers["ETag"]})
    assert edited.status_code == 200
    assert seen.count("BEGIN") == 1 and seen[-1] == "COMMIT", seen
    db.session.remove()
    again = client.get(created.headers["Location"])
    assert again.get_json() == edited.get_json()
    assert again.get_json()["body"]["value"] == "second"
    assert again.headers["ETag"] == edited.headers["ETag"] != created.headers["ETag"]
