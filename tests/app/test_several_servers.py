"""Two gunicorn servers on one database and one Redis behave as one server.

Each server is the production setup (gunicorn.conf.py: 2 workers with threads) with the
same secret key, database and READER_RATELIMIT_STORAGE_URI. On PostgreSQL when
DATABASE_URL points there (a schema of this run's own), else both on one SQLite file.
Failed sign-ins through one server make the name wait on the other; a note published or
edited through one server's API is on the other's kept reader pages at the next request.
"""

import http.cookiejar
import json
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest
from flask_migrate import upgrade

from reader import create_app
from reader.extensions import db
from reader.services.documents import import_paths
from reader.services.users import add_user, issue_token
from reader.throttle import FREE_FAILURES
from reader.views.caching import code_digest
from tests.conftest import PASSWORD, SEED_FILES, fresh_database, using_postgres
from tests.gunicorn import start_gunicorn, stop_gunicorn

REDIS_URI = "redis://127.0.0.1:6379/12"
WORDS = "NATO troops have been"
WARM_UP = 6  # requests per page before the write: each worker keeps its own copy


def _required(what, exc):
    """Fail under CI (the service must be there); skip with the reason elsewhere."""
    if os.environ.get("CI") == "true":
        raise exc
    pytest.skip(f"{what} does not answer: {exc}")


@pytest.fixture
def redis_uri():
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URI).ping()
    except redis.RedisError as exc:
        _required(f"Redis at {REDIS_URI}", exc)
    return REDIS_URI


@pytest.fixture
def database_url(tmp_path):
    try:
        with fresh_database(tmp_path, "servers") as url:
            yield url
    except Exception as exc:
        if using_postgres() and "connection" in str(exc).lower():
            _required("PostgreSQL", exc)
        raise


@pytest.fixture
def servers(database_url, redis_uri, tmp_path):
    """Two servers on one migrated database with one seed and an editor; yield what tests need."""
    name = f"eddie-{uuid.uuid4().hex[:8]}"  # the throttle's counts in Redis outlive a run
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "shared secret"})
    with app.app_context():
        upgrade()
        (result,) = import_paths(SEED_FILES[:1])
        token = issue_token(add_user(name, PASSWORD, "editor"), "servers")
        db.session.commit()
        slug, title, text = result.document.slug, result.document.title, result.document.text
        db.session.remove()
        db.engine.dispose()
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "shared secret",
           "READER_RATELIMIT_STORAGE_URI": redis_uri, "READER_PROXY_FIX": "1"}
    started = []
    try:
        for label in ("a", "b"):
            folder = tmp_path / label
            folder.mkdir()
            started.append(start_gunicorn(env, folder))
        yield {"bases": [base for _, base in started], "name": name, "token": token,
               "slug": slug, "title": title, "text": text}
    finally:
        for process, _ in started:
            stop_gunicorn(process)


def _call(method, url, body=None, headers=None, opener=None):
    """Return (status, headers, body text) of one request; an HTTP error is an answer too."""
    data = body if body is None or isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with (opener or urllib.request.build_opener()).open(request, timeout=30) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _browser():
    """An opener with its own cookies that reports redirects instead of following them."""
    return urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect())


def _sign_in(base, name, password, address, browser=None):
    """Post the sign-in form from ``address`` (as the proxy reports it); return the answer."""
    browser = browser or _browser()
    forwarded = {"X-Forwarded-For": address}
    _, _, page = _call("GET", f"{base}/login", headers=forwarded, opener=browser)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"name": name, "password": password, "csrf_token": csrf})
    return _call("POST", f"{base}/login", form.encode(), opener=browser, headers={
        **forwarded, "Content-Type": "application/x-www-form-urlencoded"})


def test_failures_through_one_server_make_the_name_wait_on_the_other(servers):
    a, b = servers["bases"]
    name = servers["name"]
    address = f"2001:db8::{uuid.uuid4().hex[:4]}"
    failed = 0
    while failed < FREE_FAILURES + 3:  # the last one makes the pair wait 8 s
        status, headers, _ = _sign_in(a, name, "a wrong guess", address)
        if status == 429:  # waiting already: wait as asked, as a person would
            time.sleep(int(headers["Retry-After"]))
            continue
        assert status == 401
        failed += 1
    # server b never saw a failure itself, and still makes the pair wait
    status, headers, page = _sign_in(b, name, PASSWORD, address)
    assert status == 429 and int(headers["Retry-After"]) >= 1
    assert "Too many failed sign-ins" in page
    # the editor's own address is not slowed down, on either server
    status, headers, _ = _sign_in(b, name, PASSWORD, "198.51.100.7")
    assert status == 302


def _note(server_base, servers, body):
    """A published editorial note (no status: published) on WORDS, as the API takes it."""
    start = servers["text"].index(WORDS)
    return {"type": "Annotation", "bodyValue": body,
            "target": {"source": f"{server_base}/docs/{servers['slug']}", "selector": [
                {"type": "TextQuoteSelector", "exact": WORDS},
                {"type": "TextPositionSelector", "start": start, "end": start + len(WORDS)}]}}


def _pages(base, slug):
    """The reader pages a write changes: the document, the index and /stats."""
    return {"document": f"{base}/docs/{slug}", "index": f"{base}/", "stats": f"{base}/stats"}


def _editorial_notes(index):
    """The count of editorial notes on the index's (one) document card."""
    return int(re.search(r'class="count count-note">.*?(\d+) <', index).group(1))


def _read(urls):
    """GET each page as an anonymous reader; return {name: (etag, html)}."""
    found = {}
    for name, url in urls.items():
        status, headers, html = _call("GET", url)
        assert status == 200, (url, status)
        found[name] = (headers["ETag"], html)
    return found


def test_a_write_through_one_server_is_on_the_others_kept_pages_at_once(servers):
    a, b = servers["bases"]
    api = {"Authorization": f"Bearer {servers['token']}",
           "Content-Type": "application/ld+json"}
    pages = _pages(b, servers["slug"])
    for _ in range(WARM_UP):
        before = _read(pages)
    assert "No published notes yet" in before["stats"][1]
    assert _editorial_notes(before["index"][1]) == 0
    # both servers answer the same page with the same ETag: a client moved between them
    # by the proxy keeps its 304s
    assert _read(_pages(a, servers["slug"]))["document"][0] == before["document"][0]

    status, headers, body = _call("POST", f"{a}/annotations/",
                                  _note(a, servers, "Said *first* on the morning show."), api)
    assert status == 201, body
    iri = json.loads(body)["id"]
    after = _read(pages)
    assert "Said <em>first</em> on the morning show." in after["document"][1]
    assert _editorial_notes(after["index"][1]) == 1
    assert servers["title"] in after["stats"][1] and "No published notes yet" not in \
        after["stats"][1]
    for name in pages:
        assert after[name][0] != before[name][0], name
    # a reader holding the old page is sent the new one, not 304
    status, _, _ = _call("GET", pages["document"],
                         headers={"If-None-Match": before["document"][0]})
    assert status == 200

    # an edit through a: b's kept document page has the new words at the next request
    _, headers, _ = _call("GET", iri, headers=api)
    status, _, body = _call("PUT", f"{a}/annotations/{iri.rsplit('/', 1)[1]}",
                            _note(a, servers, "Said *again* in the evening."),
                            {**api, "If-Match": headers["ETag"]})
    assert status == 200, body
    edited = _read(pages)
    assert "Said <em>again</em> in the evening." in edited["document"][1]
    assert "Said <em>first</em>" not in edited["document"][1]
    assert edited["document"][0] != after["document"][0]


def _copy_of_the_code(folder, mtime):
    for name, content in (("app.py", "print('hello')\n"), ("templates/page.html", "<p>hi</p>\n"),
                          ("static/site.css", "p { color: red }\n"), ("notes.txt", "draft\n")):
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
        os.utime(path, (mtime, mtime))
    return folder


def test_copies_of_the_same_code_give_pages_the_same_etag_whenever_they_were_deployed(tmp_path):
    one = code_digest(_copy_of_the_code(tmp_path / "one", 1_700_000_000))
    other = code_digest(_copy_of_the_code(tmp_path / "other", 1_800_000_000))
    assert one == other
    (tmp_path / "other" / "notes.txt").write_text("not code")
    assert code_digest(tmp_path / "other") == one
    (tmp_path / "other" / "static" / "site.css").write_text("p { color: blue }\n")
    assert code_digest(tmp_path / "other") != one
