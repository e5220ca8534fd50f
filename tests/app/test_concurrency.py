"""Several editors at once under gunicorn (2 workers with threads), and a server killed
mid-write: every acknowledged write is stored exactly once, nothing is lost, no 5xx.

On a SQLite file by default; in this run's own PostgreSQL schema when DATABASE_URL
points at PostgreSQL.
"""

import http.client
import json
import os
import signal
import sqlite3
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from reader import create_app
from reader.config import normalise_database_url
from reader.extensions import db
from reader.services.documents import import_paths
from reader.services.users import add_user, issue_token
from tests.conftest import SEED_FILES, fresh_database
from tests.gunicorn import start_gunicorn, stop_gunicorn

CLIENTS, WRITES = 8, 100
WORDS = "NATO troops have been"


@pytest.fixture
def database_url(tmp_path):
    with fresh_database(tmp_path, "storm") as url:
        yield url


@pytest.fixture
def server(database_url, tmp_path):
    """gunicorn on a migrated database with one seed and an editor's token."""
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "test"})
    with app.app_context():
        upgrade()
        (result,) = import_paths(SEED_FILES[:1])
        token = issue_token(add_user("storm", "a long password"), "storm")
        db.session.commit()
        slug, text = result.document.slug, result.document.text
        db.session.remove()
        db.engine.dispose()
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "test"}
    process, base = start_gunicorn(env, tmp_path)
    yield {"base": base, "token": token, "slug": slug, "text": text, "url": database_url,
           "process": process}
    stop_gunicorn(process)


def _request(method, url, token, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/ld+json",
        **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), None


def _annotation(server, label):
    start = server["text"].index(WORDS)
    return {"type": "Annotation", "bodyValue": label,
            "target": {"source": f"{server['base']}/docs/{server['slug']}", "selector": [
                {"type": "TextQuoteSelector", "exact": WORDS},
                {"type": "TextPositionSelector", "start": start, "end": start + len(WORDS)}]}}


def _client(server, n, stop=None):
    acknowledged, statuses = {}, []
    for i in range(WRITES):
        if stop is not None and stop():
            break
        label = f"client {n} write {i}"
        try:
            status, _, body = _request("POST", f"{server['base']}/annotations/", server["token"],
                                       _annotation(server, label))
        except (OSError, http.client.HTTPException):  # killed: the write was not acknowledged
            break
        statuses.append(status)
        if status == 201:
            acknowledged[body["id"].rsplit("/", 1)[1]] = label
    return acknowledged, statuses


def _stored(url):
    """Return the stored (id, body) rows and, on SQLite, PRAGMA integrity_check's answer."""
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
            rows = connection.execute("SELECT id, body FROM annotations").fetchall()
            check = connection.execute("PRAGMA integrity_check").fetchone()[0]
        return rows, check
    engine = create_engine(normalise_database_url(url), poolclass=NullPool)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, body FROM annotations")).fetchall()
    engine.dispose()
    return rows, "ok"  # PostgreSQL checks its own pages; what it holds is checked below


def test_eight_clients_write_at_once_and_every_write_is_stored_once(server):
    with ThreadPoolExecutor(CLIENTS) as pool:
        results = list(pool.map(lambda n: _client(server, n), range(CLIENTS)))
    statuses = [s for _, batch in results for s in batch]
    assert statuses and all(s == 201 for s in statuses), sorted(set(statuses))
    acknowledged = {k: v for ack, _ in results for k, v in ack.items()}
    assert len(acknowledged) == CLIENTS * WRITES
    rows, check = _stored(server["url"])
    assert check == "ok"
    assert sorted(body for _, body in rows) == sorted(acknowledged.values())  # once each
    assert {str(i): body for i, body in rows} == acknowledged


def test_concurrent_edits_of_one_note_exactly_one_wins(server):
    status, headers, body = _request("POST", f"{server['base']}/annotations/", server["token"],
                                     _annotation(server, "original"))
    url, etag = headers["Location"], headers["ETag"]

    def edit(n):
        return _request("PUT", url, server["token"], _annotation(server, f"edit {n}"),
                        {"If-Match": etag})[0]

    with ThreadPoolExecutor(CLIENTS) as pool:
        statuses = sorted(pool.map(edit, range(CLIENTS)))
    assert statuses.count(200) == 1 and all(s in (409, 412) for s in statuses if s != 200)


def test_killing_the_server_mid_write_loses_no_acknowledged_write(server):
    started = time.monotonic()
    with ThreadPoolExecutor(CLIENTS) as pool:
        futures = [pool.submit(_client, server, n) for n in range(CLIENTS)]
        time.sleep(1.5)
        os.killpg(server["process"].pid, signal.SIGKILL)  # no chance to finish anything
        results = [f.result() for f in futures]
    server["process"].wait(timeout=30)
    acknowledged = {k: v for ack, _ in results for k, v in ack.items()}
    assert acknowledged, "some writes were acknowledged before the kill"
    assert len(acknowledged) < CLIENTS * WRITES, "the kill came during the storm"
    rows, check = _stored(server["url"])
    assert check == "ok"
    stored = {str(i): body for i, body in rows}
    assert all(stored.get(k) == v for k, v in acknowledged.items())
    assert time.monotonic() - started < 120
