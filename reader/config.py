"""Default settings; ``instance/config.py`` and environment variables override them."""

import os
import re
import secrets
import tempfile
from pathlib import Path

KINDS = ("note", "context", "factcheck")
KIND_LABELS = {"note": "Editorial note", "context": "Source context", "factcheck": "Fact check",
               "reply": "Comment"}
REPLY = "reply"  # the kind of an editors' comment on a note: never shown to readers
STATUSES = ("draft", "review", "published")
STATUS_LABELS = {"draft": "Draft", "review": "Awaiting review", "published": "Published"}
RELATIONS = ("verbatim", "translation", "paraphrase", "summary", "not_found")
RELATION_LABELS = {
    "verbatim": "verbatim",
    "translation": "a translation",
    "paraphrase": "a paraphrase",
    "summary": "a summary",
    "not_found": "not found in the source",
}
VERDICTS = ("accurate", "mostly_accurate", "misleading", "false", "unsupported", "unverifiable")
VERDICT_LABELS = {
    "accurate": "Accurate",
    "mostly_accurate": "Mostly accurate",
    "misleading": "Misleading",
    "false": "False",
    "unsupported": "Unsupported",
    "unverifiable": "Unverifiable",
}
NO_VERDICT_LABEL = "No verdict yet"  # a fact check without a verdict
ROLES = ("editor", "admin")
MAX_ID = 2**31 - 1  # ids are SQL INTEGERs, 32-bit in PostgreSQL: a larger one names nothing


class Defaults:
    """Settings every app starts from."""

    SQLALCHEMY_ENGINE_OPTIONS = {}
    # a pooled PostgreSQL connection idle this many seconds is checked before use
    # (database.ping_when_idle); one in steady use is not: a round trip saved a request
    DB_PING_IDLE = 5.0
    BASE_URL = "http://127.0.0.1:5000"
    OWN_HOSTS = ()  # more hosts (host[:port]) whose /docs/ IRIs the API takes as its own
    PAGE_SIZE = 100  # annotations per W3C AnnotationPage
    MAX_CONTENT_LENGTH = 4 * 1024 * 1024
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    WTF_CSRF_CHECK_DEFAULT = False  # auth.protect_writes decides which writes need it
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    PROXY_FIX = False  # behind N reverse proxies (true: 1): trust N hops of X-Forwarded-*
    HTTPS = False  # served over HTTPS: secure cookies, https URLs, HSTS
    HSTS_MAX_AGE = 365 * 24 * 3600  # seconds browsers keep to HTTPS once they saw the site on it
    SQLITE_BUSY_TIMEOUT = 5.0  # seconds a SQLite writer waits for the lock, per attempt
    PAGE_CACHE = True  # keep anonymous readers' pages in memory (pagecache.py)
    DB_ATTEMPTS = 3  # a request whose database stays busy or conflicts is run this often
    INTAKE_MAX_BYTES = 16 * 1024 * 1024  # an uploaded or fetched page or PDF
    FETCH_TIMEOUT = 10.0  # seconds a fetch by URL may take, redirects included
    FETCH_MAX_REDIRECTS = 3
    FETCH_ALLOWED_HOSTS = []  # hosts fetched although private (a test server): never in production
    MESSAGE_RATE_LIMIT = "5 per 10 minutes;20 per day"  # readers' messages per address
    REVIEW_KINDS = ["factcheck"]  # kinds readers see only once another editor approved them
    # origins whose pages may show /docs/<slug>/embed in a frame; every other page refuses
    EMBED_ANCESTORS = ["'self'"]


def review_kinds(value):
    """Return READER_REVIEW_KINDS as a frozenset of kinds; raise ValueError for an unknown one.

    Takes a list, or a comma-separated string (an environment value that is not JSON).
    """
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, (list, tuple, set, frozenset)) or not all(
            isinstance(kind, str) for kind in value):
        raise ValueError("READER_REVIEW_KINDS must be a JSON list of kinds")
    unknown = sorted(set(value) - set(KINDS))
    if unknown:
        raise ValueError(f"READER_REVIEW_KINDS names unknown kinds: {', '.join(unknown)}; "
                         f"choose from {', '.join(KINDS)}")
    return frozenset(value)


_ORIGIN = re.compile(r"https?://(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:([0-9]{1,5}|\*))?")
_KEYWORDS = {"'self'", "'none'", "*"}


def embed_ancestors(value):
    """Return READER_EMBED_ANCESTORS as a tuple of CSP sources; raise ValueError for a bad one.

    Takes a list, or a string of origins separated by spaces or commas. Each is
    ``'self'``, ``'none'`` (alone), ``*``, or an origin ``http(s)://host[:port]`` (``*.``
    before the host and ``:*`` as the port are allowed): nothing else reaches the header.
    """
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ValueError("READER_EMBED_ANCESTORS must be a JSON list of origins")
    sources = tuple(v.strip().rstrip("/").lower() for v in value if v.strip())
    bad = [v for v in sources if v not in _KEYWORDS and not _ORIGIN.fullmatch(v)]
    if bad:
        raise ValueError(f"READER_EMBED_ANCESTORS: not an origin: {', '.join(bad)}; "
                         "give origins like https://news.example.org, or 'self'")
    if not sources or ("'none'" in sources and len(sources) > 1):
        raise ValueError("READER_EMBED_ANCESTORS: name at least one origin, or 'none' alone")
    return sources


def sqlite_url(instance_path):
    """Return the URL of the default SQLite database inside ``instance_path``."""
    return "sqlite:///" + str(Path(instance_path) / "reader.sqlite")


def normalise_database_url(url):
    """Point plain ``postgres://`` and ``postgresql://`` URLs at the psycopg 3 driver."""
    for scheme in ("postgres://", "postgresql://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme):]
    return url


def instance_secret_key(instance_path):
    """Return the secret key kept in ``instance/secret_key``, creating it on first use."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # written whole under another name, then linked in: of several processes starting
        # at once (gunicorn's workers) one wins, and none reads a half-written key
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".secret_key.")
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
            try:
                os.link(temporary, path)
            except FileExistsError:
                pass
        finally:
            os.unlink(temporary)
    return path.read_text().strip()
