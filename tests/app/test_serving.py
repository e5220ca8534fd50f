"""Production serving: request ids and their log line, /healthz, proxy and HTTPS settings.

The last tests start real gunicorn with ``gunicorn.conf.py`` on a migrated SQLite file.
"""

import json
import logging
import os
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask_migrate import upgrade
from werkzeug.middleware.proxy_fix import ProxyFix

from reader import create_app
from reader.config import instance_secret_key
from reader.extensions import db
from reader.serving import proxy_count
from reader.services.documents import import_paths
from tests.conftest import SEED_FILES
from tests.gunicorn import start_gunicorn, stop_gunicorn

def test_a_request_without_an_id_gets_a_new_one_echoed(client):
    first = client.get("/healthz").headers["X-Request-Id"]
    second = client.get("/healthz").headers["X-Request-Id"]
    assert len(first) == 32 and int(first, 16) >= 0 and first != second


def test_a_plain_request_id_is_kept(client):
    response = client.get("/", headers={"X-Request-Id": "lb-7f3a:42"})
    assert response.headers["X-Request-Id"] == "lb-7f3a:42"


@pytest.mark.parametrize("sent", ['quote" injected=1', "x" * 129, "tab\tinside", "é"])
def test_an_unsafe_request_id_is_replaced(client, sent):
    response = client.get("/healthz", headers={"X-Request-Id": sent})
    assert response.headers["X-Request-Id"] != sent
    assert len(response.headers["X-Request-Id"]) == 32


def test_one_log_line_per_request_with_its_id(client, caplog):
    caplog.set_level(logging.INFO, logger="reader.request")
    client.get("/docs/nothing%0A127.0.0.1 forged?x=%0A", headers={"X-Request-Id": "abc-123"})
    lines = [r.getMessage() for r in caplog.records if r.name == "reader.request"]
    assert len(lines) == 1
    assert '"GET /docs/nothing%0A127.0.0.1%20forged?x=%0A" 404' in lines[0]  # one line
    assert lines[0].endswith("request_id=abc-123")


def test_healthz_is_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_is_503_when_the_database_does_not_answer(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "test",
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'missing' / 'reader.sqlite'}"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "unavailable"
    with app.app_context():
        db.engine.dispose()


def test_forwarded_headers_are_ignored_by_default(seeded, make_app):
    response = make_app().test_client().get("/annotations/", headers=_forwarded())
    assert response.get_json()["id"].startswith("http://localhost/")


def test_proxy_fix_trusts_one_proxy(seeded, make_app, caplog):
    caplog.set_level(logging.INFO, logger="reader.request")
    response = make_app(PROXY_FIX=True).test_client().get("/annotations/",
                                                          headers=_forwarded())
    assert response.get_json()["id"] == "https://reader.example.org/annotations/"
    assert caplog.records[-1].getMessage().startswith("203.0.113.9 ")


def test_behind_two_proxies_the_client_is_the_address_the_outer_one_saw(
        seeded, make_app, caplog):
    caplog.set_level(logging.INFO, logger="reader.request")
    # the client sent a forged first entry; the outer proxy appended what it saw, the inner
    # one what it saw (the outer proxy)
    headers = {"X-Forwarded-For": "192.0.2.66, 198.51.100.20, 10.0.0.5",
               "X-Forwarded-Proto": "https, http", "X-Forwarded-Host": "reader.example.org, lb"}
    response = make_app(PROXY_FIX=2).test_client().get("/annotations/", headers=headers)
    assert response.get_json()["id"] == "https://reader.example.org/annotations/"
    assert caplog.records[-1].getMessage().startswith("198.51.100.20 ")
    make_app(PROXY_FIX=1).test_client().get("/annotations/", headers=headers)
    assert caplog.records[-1].getMessage().startswith("10.0.0.5 ")


@pytest.mark.parametrize(("value", "proxies"), [
    ("1", 1), ("2", 2), ("true", 1), ("on", 1), ("0", 0), ("false", 0), (True, 1), (3, 3)])
def test_the_proxy_setting_names_how_many_proxies_are_trusted(value, proxies):
    assert proxy_count(value) == proxies


@pytest.mark.parametrize("value", ["two", "-1", "1.5", "11", -1, 2.0, None])
def test_a_proxy_setting_that_is_no_count_stops_the_app(monkeypatch, tmp_path, value):
    with pytest.raises(ValueError, match="READER_PROXY_FIX must be the number"):
        proxy_count(value)
    if isinstance(value, str):
        monkeypatch.setenv("READER_PROXY_FIX", value)
        with pytest.raises(ValueError, match="READER_PROXY_FIX"):
            create_app({"SECRET_KEY": "test",
                        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}"})


def _forwarded():
    return {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "reader.example.org"}


@pytest.mark.parametrize("settings", [{"HTTPS": True}, {"PREFERRED_URL_SCHEME": "https"}])
def test_behind_https_cookies_are_secure(make_app, settings):
    https = make_app(**settings)
    cookie = https.test_client().get("/login").headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie
    assert https.config["REMEMBER_COOKIE_SECURE"] is True


def test_cookies_are_not_secure_by_default(client):
    assert "Secure" not in client.get("/login").headers["Set-Cookie"]


def test_the_environment_turns_the_settings_on(monkeypatch, tmp_path):
    monkeypatch.setenv("READER_HTTPS", "1")
    monkeypatch.setenv("READER_PROXY_FIX", "1")
    app = create_app({"SECRET_KEY": "test", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}"})
    assert app.config["SESSION_COOKIE_SECURE"] is app.config["REMEMBER_COOKIE_SECURE"] is True
    assert isinstance(app.wsgi_app, ProxyFix)


def _get(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def served_database(tmp_path):
    """A migrated SQLite file with one seed document; return (url, slug)."""
    url = f"sqlite:///{tmp_path / 'served.sqlite'}"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "test"})
    with app.app_context():
        upgrade()
        (result,) = import_paths(SEED_FILES[:1])
        db.session.commit()
        slug = result.document.slug
        db.engine.dispose()
    return url, slug


def test_gunicorn_serves_the_app(served_database, tmp_path):
    url, slug = served_database
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "test"}
    server, base = start_gunicorn(env, tmp_path)
    try:
        status, headers, body = _get(f"{base}/healthz")
        assert status == 200 and json.loads(body) == {"status": "ok"}
        assert len(headers["X-Request-Id"]) == 32
        status, headers, body = _get(f"{base}/docs/{slug}", {"X-Request-Id": "gunicorn-test-1"})
        assert status == 200 and b"data-doc-text" in body
        assert headers["X-Request-Id"] == "gunicorn-test-1"
        assert headers["Content-Security-Policy"].startswith("default-src 'self'")
    finally:
        stop_gunicorn(server)
    log = tmp_path / "access.log"
    lines = log.read_text().splitlines()
    assert any(f'"GET /docs/{slug}" 200' in line and line.endswith("request_id=gunicorn-test-1")
               for line in lines), lines


def test_workers_starting_at_once_share_one_new_secret_key(tmp_path):
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(instance_secret_key, [tmp_path] * 32))
    assert len(keys) == 1 and len(keys.pop()) == 64
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
