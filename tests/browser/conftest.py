"""Browser fixtures: a live server on the seeds, one Chromium, a fresh page per test.

Every test here is marked ``browser``. Without Chromium or Playwright they are skipped
with the reason, except when CI=true: there a missing browser is a failure.
"""

import json
import logging
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from reader import create_app
from reader.extensions import db
from reader.models import Annotation, Document
from reader.services.annotations import create_annotation
from reader.services.documents import import_paths
from reader.services.interchange import import_annotations
from reader.services.users import add_user, find_user

from tests.conftest import fresh_database

from .helpers import (
    ADMINS, CHROMIUM, CHROMIUM_ARGS, EDITORS, PASSWORD, SEEDS, browser_unavailable,
    sync_playwright,
)

HERE = Path(__file__).resolve().parent
SEED_ANNOTATIONS = SEEDS / "annotations.jsonld"
# seed annotation ids are ours under this base; pages use the request's own host
SEED_BASE = "http://127.0.0.1:5000"
VIEWPORT = {"width": 1280, "height": 900}
FRAMING_ORIGINS = "http://localhost:*"  # pages allowed to frame the embed (test_share.py)


def pytest_collection_modifyitems(items):
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session", autouse=True)
def _require_browser():
    """Skip the browser tests where they cannot run; on CI (CI=true) fail instead."""
    reason = browser_unavailable()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests are required on CI: {reason}", pytrace=False)
        pytest.skip(reason)


@dataclass
class LiveServer:
    """The running app: its URL, the seed documents' slugs by file name, test helpers."""

    app: object
    url: str
    slugs: dict = field(default_factory=dict)

    def slug(self, seed_name):
        """The slug of the document imported from ``seeds/<seed_name>``."""
        return self.slugs[seed_name]

    def text(self, seed_name):
        """The canonical text the app stored for a seed document."""
        with self.app.app_context():
            return db.session.scalars(
                db.select(Document.text).filter_by(slug=self.slug(seed_name))).one()

    def annotate(self, seed_name, phrase, user="eddie", **fields):
        """Create an annotation over ``phrase`` (which must occur once) through the services."""
        with self.app.app_context():
            document = db.session.scalars(
                db.select(Document).filter_by(slug=self.slug(seed_name))).one()
            start = document.text.find(phrase)
            assert start >= 0 and document.text.find(phrase, start + 1) < 0, phrase
            data = {"kind": "note", "status": "published", "body": "", "tags": [],
                    "start": start, "end": start + len(phrase), "exact": phrase, **fields}
            annotation = create_annotation(document, data, find_user(user))
            db.session.commit()
            return str(annotation.id)

    def annotation(self, annotation_id):
        """A dict of an annotation's stored state (for checks the page cannot show)."""
        with self.app.app_context():
            a = db.session.get(Annotation, int(annotation_id))
            return {"status": a.status, "body": a.body, "deleted": a.deleted_at is not None,
                    "version": a.version, "start": a.start, "end": a.end}


@pytest.fixture(scope="session")
def live_database(tmp_path_factory):
    with fresh_database(tmp_path_factory.mktemp("live"), "browser") as url:
        yield url


@pytest.fixture(scope="session")
def live(live_database):
    """The app on a fresh database with the seeds and two editors, served on a free port."""
    app = create_app({
        "TESTING": True,
        "DATABASE_URL": live_database,
        "SECRET_KEY": "browser test secret",
        "RATELIMIT_ENABLED": False,
        # the embed may be framed here and by test pages on localhost, whatever their port
        "EMBED_ANCESTORS": ["'self'", FRAMING_ORIGINS],
    })
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    live = LiveServer(app, url)
    with app.app_context():
        db.create_all()
        for result in import_paths([SEEDS]):
            assert result.action == "created", result
            live.slugs[result.name] = result.document.slug
        if SEED_ANNOTATIONS.exists():
            with SEED_ANNOTATIONS.open(encoding="utf-8") as handle:
                import_annotations(json.load(handle), SEED_BASE)
        for name, label in EDITORS.items():
            add_user(name, PASSWORD, "editor", label)
        for name, label in ADMINS.items():
            add_user(name, PASSWORD, "admin", label)
        db.session.commit()
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield live
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    """One headless Debian Chromium for the whole run."""
    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()
    playwright.stop()


class JsErrors:
    """Console errors and uncaught exceptions of the pages a test opened.

    A test that provokes an HTTP error on purpose (a 404 page, a 409 or 422 answer)
    declares it with ``allow_status``; the browser logs those as console errors.
    """

    def __init__(self):
        self.errors = []
        self.pages = []
        self.allowed = []

    def allow_status(self, status):
        self.allowed.append(re.compile(rf"status of {status}\b"))

    def watch(self, page):
        self.pages.append(page)
        page.on("console", lambda message: self._console(message))
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))

    def _console(self, message):
        if message.type != "error":
            return
        url = (message.location or {}).get("url", "")
        if url.endswith("/favicon.ico") or any(p.search(message.text) for p in self.allowed):
            return
        self.errors.append(f"console: {message.text} ({url})")

    def check(self):
        for page in self.pages:
            try:
                page.evaluate("0")  # let pending console events arrive
            except Exception:  # closed or navigating: nothing more will arrive
                pass
        if self.errors:
            pytest.fail("JavaScript errors in the page:\n" + "\n".join(self.errors),
                        pytrace=False)


@pytest.fixture
def js_errors():
    return JsErrors()


@pytest.fixture
def new_page(browser, live, js_errors):
    """Open a page in a fresh browser context (its own cookies) on the live server."""
    contexts = []

    def open_page(viewport=None):
        context = browser.new_context(base_url=live.url, viewport=viewport or VIEWPORT)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        js_errors.watch(page)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """A fresh page (1280x900) whose JavaScript errors fail the test."""
    return new_page()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """After a browser test passed, fail it if its pages had JavaScript errors."""
    result = yield
    watcher = getattr(item, "funcargs", {}).get("js_errors")
    if isinstance(watcher, JsErrors):
        watcher.check()
    return result
