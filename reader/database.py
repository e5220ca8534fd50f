"""The database connection: SQLite's settings, and running a request again after a busy error.

SQLite lets one writer in at a time. A writer that finds the database locked waits up
to ``SQLITE_BUSY_TIMEOUT`` seconds (the driver's busy handler); if the lock is still
held after that, the request's work is rolled back and its view runs again, up to
``DB_ATTEMPTS`` times in all, a little later each time. PostgreSQL's transient
conflicts (a serialization failure, a deadlock) are run again the same way. A request
that never gets through answers 503 with Retry-After, and has changed nothing.
"""

import functools
import random
import time

from flask import current_app
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import ServiceUnavailable

from .extensions import db

SQLITE_BUSY = 5  # SQLITE_BUSY and SQLITE_LOCKED, the primary result codes
SQLITE_LOCKED = 6
TRANSIENT_SQLSTATES = {"40001", "40P01"}  # PostgreSQL: serialization failure, deadlock
FIRST_PAUSE = 0.05  # seconds before the second attempt; doubled each time, with jitter
RETRY_AFTER = 2  # seconds, the client's advice in a 503


def engine_options(url, options, busy_timeout):
    """Return a copy of ``options`` with SQLite's busy timeout (seconds) set for ``url``."""
    options = dict(options)
    if url.startswith("sqlite"):
        options["connect_args"] = {**options.get("connect_args", {}), "timeout": busy_timeout}
    return options


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """Foreign keys on, WAL, and a commit that survives a power cut, for every SQLite connection."""
    if not type(dbapi_connection).__module__.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL syncs the WAL at every commit: an acknowledged note survives the machine
    # dying too, not only the process (NORMAL would only survive the process)
    cursor.execute("PRAGMA synchronous=FULL")
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


def init_app(app):
    """Run every view of ``app`` again on a transient database error (register views first)."""
    for endpoint, view in list(app.view_functions.items()):
        if endpoint != "static":
            app.view_functions[endpoint] = retry_transient(view)
