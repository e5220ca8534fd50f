"""Whole pages for anonymous readers, kept in memory and served before Flask while they hold.

``PageCache`` is WSGI middleware. A GET or HEAD with no session, remember-me or
Authorization credentials is looked up by path, query string, host and scheme; an entry is served
only while the content version it was rendered under is still the current one. The
version is the sum of the table ``content_version``, whose rows triggers bump in every
transaction that writes documents, annotations, sources or users (``CONTENT_TABLES``),
so a page is never served after the data under it changed, whichever process changed
it. On SQLite it is one row (one writer at a time anyway). On PostgreSQL each
connection bumps the one of ``VERSION_SLOTS`` rows its backend's pid picks: a bump holds
its row until the transaction ends, so with a single row concurrent writers would queue
for it, each until the one before had committed and synced. The
version is read before the page is rendered, so an entry is never older than its
version. Only responses the app marks as reader pages (``environ["reader.cacheable"]``,
set where they get their ETag) are kept: editors' pages, errors and writes never are.
A hit answers as the app would (its headers, a 304 to a matching If-None-Match) with
its own request id and log line.
"""

import threading
import time
from collections import OrderedDict

from sqlalchemy import event, text
from werkzeug.http import is_resource_modified

from .extensions import db
from .serving import log_request, request_id

CONTENT_TABLES = ("documents", "annotations", "sources", "users")
MAX_BYTES = 64 * 1024 * 1024  # per process: the seeds' pages are 10-30 KB each
MAX_ENTRY_BYTES = 16 * 1024 * 1024
KEPT_HEADERS = {"content-type", "content-length", "etag", "last-modified", "cache-control",
                "vary", "content-security-policy", "x-content-type-options",
                "referrer-policy", "x-frame-options", "strict-transport-security"}
NOT_MODIFIED_HEADERS = KEPT_HEADERS - {"content-type", "content-length"}

SQLITE_DDL = tuple(
    f"""CREATE TRIGGER {table}_{event}_content_version AFTER {event.upper()} ON {table} BEGIN
          UPDATE content_version SET version = version + 1;
        END"""
    for table in CONTENT_TABLES for event in ("insert", "update", "delete"))
VERSION_SLOTS = 32  # PostgreSQL: rows of content_version, so writers rarely share one
POSTGRESQL_DDL = (
    f"""CREATE OR REPLACE FUNCTION bump_content_version() RETURNS trigger AS $$
       BEGIN
         UPDATE content_version SET version = version + 1
          WHERE id = pg_backend_pid() % {VERSION_SLOTS} + 1;
         RETURN NULL;
       END $$ LANGUAGE plpgsql""",
    *(f"""CREATE TRIGGER {table}_content_version
          AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
          FOR EACH STATEMENT EXECUTE FUNCTION bump_content_version()"""
      for table in CONTENT_TABLES),
)
SEED_ROWS = {
    "postgresql": "INSERT INTO content_version (id, version)"
                  f" SELECT n, 0 FROM generate_series(1, {VERSION_SLOTS}) AS n",
}
SEED_ROW = "INSERT INTO content_version (id, version) VALUES (1, 0)"
VERSION_QUERY = text("SELECT sum(version) FROM content_version")


def create_triggers(connection):
    """Create the rows and the triggers that bump them on ``connection``'s database."""
    statements = {"sqlite": SQLITE_DDL, "postgresql": POSTGRESQL_DDL}
    connection.execute(text(SEED_ROWS.get(connection.dialect.name, SEED_ROW)))
    for statement in statements.get(connection.dialect.name, ()):
        connection.execute(text(statement))


def bump_inserted(connection, inserted, params):
    """SQLite: move the version once per annotation inserted while its insert trigger was
    set aside (a bulk import), as the trigger would have; ``inserted`` is the SQL
    condition on annotations ``a`` that selects them. (PostgreSQL's trigger runs per
    statement: it is never set aside.)"""
    if connection.dialect.name == "sqlite":
        connection.execute(text(
            "UPDATE content_version SET version = version"
            f" + (SELECT COUNT(*) FROM annotations a WHERE {inserted})"), params)


@event.listens_for(db.metadata, "after_create")
def _create_triggers_with_tables(target, connection, **kw):
    """db.create_all: every table exists by now."""
    create_triggers(connection)


def init_app(app):
    """Put a ``PageCache`` in front of ``app`` unless its PAGE_CACHE setting is off."""
    if not app.config["PAGE_CACHE"]:
        return
    with app.app_context():
        engine = db.engine
    credentials = (app.config["SESSION_COOKIE_NAME"],
                   app.config.get("REMEMBER_COOKIE_NAME", "remember_token"))
    app.wsgi_app = PageCache(app.wsgi_app, engine, credentials,
                             skip=(app.static_url_path + "/", "/healthz"))


class PageCache:
    """WSGI middleware serving kept reader pages; see the module's docstring."""

    def __init__(self, app, engine, credentials, skip=(), max_bytes=MAX_BYTES):
        self.app = app
        self.engine = engine
        self.credentials = tuple(f"{name}=" for name in credentials)  # cookie names
        self.skip = tuple(skip)  # path prefixes never kept (files, probes): no version read
        self.max_bytes = max_bytes
        self.entries = OrderedDict()  # (path, query, host, scheme) -> _Entry, oldest use first
        self.size = 0
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        if not self._anonymous_read(environ):
            return self.app(environ, start_response)
        environ["reader.started"] = time.perf_counter()
        version = self._version()
        if version is None:
            return self.app(environ, start_response)
        # the host and scheme too: a page that ever writes an absolute URL cannot be
        # poisoned for everyone by one request with a forged Host header
        key = (environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""),
               environ.get("HTTP_HOST", ""), environ.get("wsgi.url_scheme", ""))
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None and entry.version == version:
                self.entries.move_to_end(key)
            else:
                entry = None
        if entry is not None:
            return self._serve(entry, environ, start_response)
        return self._render_and_keep(key, version, environ, start_response)

    def _anonymous_read(self, environ):
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return False
        if environ.get("HTTP_AUTHORIZATION"):
            return False
        if environ.get("PATH_INFO", "").startswith(self.skip):
            return False
        cookie = environ.get("HTTP_COOKIE", "")
        return not any(name in cookie for name in self.credentials)

    def _version(self):
        try:
            with self.engine.connect() as connection:
                return connection.execute(VERSION_QUERY).scalar()
        except Exception:  # no table yet (before the migration), database down: no cache
            return None

    def _serve(self, entry, environ, start_response):
        request_id_ = request_id(environ)
        if is_resource_modified(environ, etag=entry.etag, last_modified=entry.last_modified):
            status, headers, body = "200 OK", entry.headers, [entry.body]
        else:
            status, body = "304 NOT MODIFIED", []
            headers = [(k, v) for k, v in entry.headers if k.lower() in NOT_MODIFIED_HEADERS]
        if environ["REQUEST_METHOD"] == "HEAD":
            body = []
        start_response(status, [*headers, ("X-Request-Id", request_id_)])
        log_request(environ, int(status[:3]), request_id_)
        return body

    def _render_and_keep(self, key, version, environ, start_response):
        captured = {}

        def capture(status, headers, exc_info=None):
            captured.update(status=status, headers=headers)
            return start_response(status, headers, exc_info)

        body = self.app(environ, capture)
        if not (environ.get("reader.cacheable") and captured.get("status", "").startswith("200")
                and environ["REQUEST_METHOD"] == "GET"):
            return body
        try:
            data = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        headers = [(k, v) for k, v in captured["headers"] if k.lower() in KEPT_HEADERS]
        if len(data) <= MAX_ENTRY_BYTES and not any(
                k.lower() == "set-cookie" for k, _ in captured["headers"]):
            self._keep(key, _Entry(version, headers, data))
        return [data]

    def _keep(self, key, entry):
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.size -= len(old.body)
            self.entries[key] = entry
            self.size += len(entry.body)
            while self.size > self.max_bytes:
                _, dropped = self.entries.popitem(last=False)
                self.size -= len(dropped.body)


class _Entry:
    """A kept page: the content version it was rendered under, its headers and body."""

    __slots__ = ("version", "headers", "body", "etag", "last_modified")

    def __init__(self, version, headers, body):
        self.version, self.headers, self.body = version, headers, body
        found = {k.lower(): v for k, v in headers}
        self.etag = found.get("etag")
        self.last_modified = found.get("last-modified")
