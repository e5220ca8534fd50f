"""The database connection: SQLite's settings and file, running a request again after a busy
error, and a clear 503 when the database is unavailable.

SQLite lets one writer in at a time. A writer that finds the database locked waits up
to ``SQLITE_BUSY_TIMEOUT`` seconds (the driver's busy handler); if the lock is still
held after that, the request's work is rolled back and its view runs again, up to
``DB_ATTEMPTS`` times in all, a little later each time. PostgreSQL's transient
conflicts (a serialization failure, a deadlock) are run again the same way. A request
that never gets through answers 503 with Retry-After, and has changed nothing.

A database that cannot be reached (PostgreSQL down) or cannot take writes (a
read-only SQLite file, a full disk) answers 503 with Retry-After too: JSON to the
JSON APIs, a page otherwise. A read-only SQLite database still serves readers.
"""

import functools
import json
import logging
import os
import random
import sqlite3
import time

import orjson
from flask import current_app, g, jsonify, render_template, request
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import ServiceUnavailable

from .extensions import db

SQLITE_PERM = 3  # primary result codes
SQLITE_BUSY = 5
SQLITE_LOCKED = 6
SQLITE_READONLY = 8
SQLITE_IOERR = 10
SQLITE_FULL = 13
SQLITE_CANTOPEN = 14
UNAVAILABLE_SQLITE = {SQLITE_PERM, SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY, SQLITE_IOERR,
                      SQLITE_FULL, SQLITE_CANTOPEN}
TRANSIENT_SQLSTATES = {"40001", "40P01"}  # PostgreSQL: serialization failure, deadlock
# PostgreSQL: connection exceptions, insufficient resources, operator intervention (shutdown,
# starting up), and a write refused by a read-only server
UNAVAILABLE_SQLSTATES = ("08", "53", "57P", "25006")
FIRST_PAUSE = 0.05  # seconds before the second attempt; doubled each time, with jitter
RETRY_AFTER = 2  # seconds, the client's advice in a 503 for a busy database
RETRY_AFTER_UNAVAILABLE = 30  # seconds, for a database that is down or read-only
FILE_MODE = 0o600  # the SQLite file (SQLite gives its -wal and -shm files the same mode)

log = logging.getLogger(__name__)


def create_sqlite_file(url):
    """Create the SQLite file ``url`` names, readable by its owner alone, unless it exists.

    SQLite would create it with the process's umask (usually readable by everyone).
    URI filenames (``file:…?mode=ro``) are left to SQLite.
    """
    parsed = make_url(url)
    path = parsed.database
    if parsed.get_backend_name() != "sqlite" or not path or path == ":memory:" \
            or path.startswith("file:") or parsed.query.get("uri"):
        return
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        pass
    except OSError as exc:  # a missing folder, no permission: SQLite will say so on connect
        log.warning("could not create the database file %s: %s", path, exc)


def load_json(text):
    """Return the value of a JSON column's text: orjson where it can, else the standard library
    (which also takes what orjson refuses, such as NaN or integers past 64 bits)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def engine_options(url, options, busy_timeout):
    """Return a copy of ``options`` with SQLite's busy timeout (seconds) set for ``url``,
    and JSON columns read by ``load_json``."""
    options = dict(options)
    options.setdefault("json_deserializer", load_json)
    if url.startswith("sqlite"):
        options["connect_args"] = {**options.get("connect_args", {}), "timeout": busy_timeout}
    return options


SQLITE_CACHE_KIB = 32 * 1024


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """Foreign keys on, WAL, and a commit that survives a power cut, for every SQLite connection."""
    if not type(dbapi_connection).__module__.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
    except sqlite3.OperationalError as exc:
        # a read-only file or connection: readers are served, writes answer 503
        if getattr(exc, "sqlite_errorcode", 0) & 0xFF != SQLITE_READONLY:
            raise
        log.warning("the SQLite database is read-only: pages are served, writes are refused")
    # FULL syncs the WAL at every commit: an acknowledged note survives the machine
    # dying too, not only the process (NORMAL would only survive the process)
    cursor.execute("PRAGMA synchronous=FULL")
    # 32 MB of pages per connection (the default is 2 MB): a corpus of thousands of
    # documents reads its indexes from memory rather than through the file each time
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cursor.close()


def is_transient(error):
    """True if ``error`` (a DBAPI error wrapped by SQLAlchemy) may pass if tried again."""
    if not isinstance(error, DBAPIError):
        return False
    original = error.orig
    code = getattr(original, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (SQLITE_BUSY, SQLITE_LOCKED)
    return getattr(original, "sqlstate", None) in TRANSIENT_SQLSTATES


def is_unavailable(error):
    """True if ``error`` says the database cannot be reached or cannot take writes right now."""
    if isinstance(error, PoolTimeoutError):
        return True
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    original = error.orig
    code = getattr(original, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in UNAVAILABLE_SQLITE
    sqlstate = getattr(original, "sqlstate", None)
    if sqlstate is None:  # psycopg: no server answered at all
        return isinstance(error, (OperationalError, InterfaceError))
    return sqlstate.startswith(UNAVAILABLE_SQLSTATES)


def wants_json():
    """True for the JSON APIs: the W3C container and collections, the editors' page API."""
    return request.blueprint == "api" or request.path.startswith("/editor/api/")


def unavailable(error):
    """Answer 503 with Retry-After for an unavailable database; re-raise any other error."""
    if not is_unavailable(error):
        raise error
    try:
        db.session.rollback()
    except DBAPIError:
        pass
    current_app.logger.warning("database unavailable: %s", getattr(error, "orig", error))
    description = ("The database is not available right now; nothing was changed. "
                   "Try again in a moment.")
    if wants_json():
        response = jsonify({"error": "Service Unavailable", "detail": description})
    else:
        _forget_user_if_unknown()
        response = current_app.make_response(render_template(
            "errors/error.html", code=503,
            error=ServiceUnavailable(description)))
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_UNAVAILABLE)
    response.headers["Cache-Control"] = "no-store"
    return response


def _forget_user_if_unknown():
    """Let the error page render as for a reader when the signed-in user cannot be loaded."""
    from flask_login import current_user
    try:
        current_user.is_authenticated  # noqa: B018 (loads the user, or fails)
    except DBAPIError:
        db.session.rollback()
        g._login_user = current_app.login_manager.anonymous_user()


def retry_transient(view):
    """Wrap ``view`` so a transient database error rolls back and runs it again.

    After the last attempt it raises 503 Service Unavailable with Retry-After.
    """
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        attempts = current_app.config["DB_ATTEMPTS"]
        pause = FIRST_PAUSE
        for attempt in range(1, attempts + 1):
            try:
                return view(*args, **kwargs)
            except DBAPIError as error:
                if not is_transient(error):
                    raise
                db.session.rollback()
                current_app.logger.warning("database busy (attempt %d of %d): %s",
                                           attempt, attempts, error.orig)
                if attempt == attempts:
                    raise ServiceUnavailable(
                        "The database is busy; nothing was changed. Try again in a moment.",
                        retry_after=RETRY_AFTER) from error
                time.sleep(pause * random.uniform(0.5, 1.5))
                pause *= 2
    return wrapper


def retry_after(error):
    """Return the Retry-After header the HTTP ``error`` carries, as a list of (name, value)."""
    return [(name, value) for name, value in error.get_headers() if name == "Retry-After"]


def ping_when_idle(engine, seconds):
    """Check a pooled connection before it is used only when it sat idle ``seconds`` or more.

    SQLAlchemy's ``pool_pre_ping`` pings at every check-out: one more round trip for
    every request, most of them on a connection used a moment before. A connection that
    sat idle is the one a restarted server, a failover or a firewall's idle timeout has
    likely cut: it is pinged, and replaced if dead, before the request sees it. One cut
    while in steady use fails its next request (503, with Retry-After), and the pool then
    replaces every connection made before the cut.
    """
    @event.listens_for(engine, "checkin")
    def _idle_from(dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, proxy):
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < seconds:
            return  # a new connection, or one in steady use
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error:  # such as the server's "terminating connection"
            alive = False
        if not alive:
            raise DisconnectionError("the pooled connection was closed")  # the pool retries


def init_app(app):
    """Run every view of ``app`` again on a transient database error (register views first);
    answer 503 when the database is unavailable; check idle pooled connections before use."""
    with app.app_context():
        engine = db.engine
    try:
        seconds = float(app.config["DB_PING_IDLE"])
    except (TypeError, ValueError):
        seconds = -1.0
    if not seconds >= 0:
        raise ValueError(f"READER_DB_PING_IDLE must be a number of seconds, 0 or more"
                         f" (not {app.config['DB_PING_IDLE']!r})")
    if engine.dialect.name != "sqlite" and not engine.pool._pre_ping:
        ping_when_idle(engine, seconds)
    for endpoint, view in list(app.view_functions.items()):
        if endpoint != "static":
            app.view_functions[endpoint] = retry_transient(view)
    app.register_error_handler(DBAPIError, unavailable)
    app.register_error_handler(PoolTimeoutError, unavailable)
