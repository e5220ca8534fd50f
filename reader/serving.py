"""Serving the app in production: security headers, request ids, proxy and HTTPS settings, /healthz."""

import logging
import re
import time
import uuid
from urllib.parse import quote

from flask import Request, current_app, jsonify, request
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.middleware.proxy_fix import ProxyFix

from .database import RETRY_AFTER_UNAVAILABLE
from .extensions import db

# every asset is served by the app; scripts and styles only from files (no inline code),
# which element.style in the scripts does not need
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    # no other site learns where a reader came from (the notes' links say only nofollow)
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
REQUEST_ID_HEADER = "X-Request-Id"
# a client's id is kept only if it is short and plain, since it goes into log lines as is
CLIENT_REQUEST_ID = re.compile(r"[A-Za-z0-9._:@+=/-]{1,128}")
PATH_SAFE = "/:?&=+,;@!$'()*~%-._"  # logged paths: anything else is percent-encoded

MAX_PROXIES = 10  # READER_PROXY_FIX: hops of X-Forwarded-* trusted, a sanity bound

request_log = logging.getLogger("reader.request")


def init_app(app):
    """Apply the serving settings to ``app`` and add the headers, request ids and /healthz.

    ``HTTPS`` (or
    ``PREFERRED_URL_SCHEME = "https"``) makes the session and remember-me cookies secure
    and adds ``Strict-Transport-Security`` (``HSTS_MAX_AGE`` seconds) to every response.
    """
    if app.config["HTTPS"] or app.config["PREFERRED_URL_SCHEME"] == "https":
        app.config.update(PREFERRED_URL_SCHEME="https", SESSION_COOKIE_SECURE=True,
                          REMEMBER_COOKIE_SECURE=True)
        app.extensions["reader.hsts"] = f"max-age={int(app.config['HSTS_MAX_AGE'])}"
    app.before_request(_start_request)
    app.after_request(_finish_response)
    app.add_url_rule("/healthz", "healthz", healthz)


def init_proxy(app):
    """Trust the X-Forwarded-* of PROXY_FIX reverse proxies in front (wrap last: outermost)."""
    proxies = proxy_count(app.config["PROXY_FIX"])
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)


def proxy_count(value):
    """Return how many proxies READER_PROXY_FIX names: off/false 0, on/true 1, or a number.

    Raises ValueError for anything else, so a typo stops the app at start rather than
    trusting the wrong hop (a client could then forge its address in X-Forwarded-For).
    """
    if isinstance(value, str):
        value = {"": 0, "off": 0, "false": 0, "no": 0, "on": 1, "true": 1, "yes": 1}.get(
            value.strip().lower(), value.strip())
        if isinstance(value, str) and value.isascii() and value.isdigit():
            value = int(value)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int) and 0 <= value <= MAX_PROXIES:
        return value
    raise ValueError(f"READER_PROXY_FIX must be the number of reverse proxies in front "
                     f"(0 to {MAX_PROXIES}, or true/false), not {value!r}")


def request_id(environ=None):
    """Return this request's id: the client's X-Request-Id if it is plain, else a new one."""
    # kept in the WSGI environ, which lives exactly as long as the request
    environ = request.environ if environ is None else environ
    if "reader.request_id" not in environ:
        sent = environ.get("HTTP_X_REQUEST_ID", "")
        environ["reader.request_id"] = sent if CLIENT_REQUEST_ID.fullmatch(sent) \
            else uuid.uuid4().hex
    return environ["reader.request_id"]


def _start_request():
    request.environ.setdefault("reader.started", time.perf_counter())
    request_id()


def allow_framing(response, ancestors):
    """Let pages of the origins ``ancestors`` (CSP sources) show ``response`` in a frame.

    Its Content-Security-Policy names them in ``frame-ancestors`` and lets a ``<base>``
    point at this site; X-Frame-Options, which cannot name an origin, is left out unless
    the sources are ``'self'`` or ``'none'`` alone. Every other response keeps refusing
    to be framed. A 304 needs it as well: a browser keeps the headers it revalidates.
    """
    policy = CONTENT_SECURITY_POLICY.replace("base-uri 'none'", "base-uri 'self'")
    response.headers["Content-Security-Policy"] = policy.replace(
        "frame-ancestors 'none'", "frame-ancestors " + " ".join(ancestors))
    legacy = {("'self'",): "SAMEORIGIN", ("'none'",): "DENY"}.get(tuple(ancestors))
    if legacy:
        response.headers["X-Frame-Options"] = legacy
    request.environ["reader.framable"] = True
    return response


def _finish_response(response):
    """Add the security headers and the request id; write the request's one log line."""
    framable = request.environ.get("reader.framable")
    for name, value in SECURITY_HEADERS.items():
        if not (framable and name == "X-Frame-Options"):
            response.headers.setdefault(name, value)
    hsts = current_app.extensions.get("reader.hsts")
    if hsts:
        response.headers.setdefault("Strict-Transport-Security", hsts)
    response.headers[REQUEST_ID_HEADER] = request_id()
    log_request(request.environ, response.status_code, request_id())
    return response


def log_request(environ, status, request_id):
    """Write the one log line of the request in ``environ``, answered with ``status``."""
    started = environ.get("reader.started")
    milliseconds = (time.perf_counter() - started) * 1000 if started else 0
    path = environ.get("RAW_URI") or Request(environ).full_path.rstrip("?")
    request_log.info('%s "%s %s" %s %.0fms request_id=%s', environ.get("REMOTE_ADDR") or "-",
                     environ.get("REQUEST_METHOD"), quote(path, safe=PATH_SAFE), status,
                     milliseconds, request_id)


def healthz():
    """200 ``{"status": "ok"}`` when the database answers, else 503."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        db.session.rollback()
        current_app.logger.warning("health check: the database does not answer: %s", exc)
        response = jsonify({"status": "unavailable", "detail": "the database does not answer"})
        response.status_code = 503
        response.headers["Retry-After"] = str(RETRY_AFTER_UNAVAILABLE)
    else:
        response = jsonify({"status": "ok"})
    response.headers["Cache-Control"] = "no-store"
    return response
