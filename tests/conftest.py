"""Fixtures: an app on a fresh database, its client and CLI runner, editors, the seeds."""

import json
import os
import re
from pathlib import Path

import pytest
from flask import g
from sqlalchemy import text

from reader import create_app
from reader.extensions import db
from reader.services.documents import import_paths
from reader.services.interchange import import_annotations
from reader.services.users import add_user, issue_token

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SEED_FILES = sorted(SEEDS.glob("*.txt"))
SEED_ANNOTATIONS = SEEDS / "annotations.jsonld"
DATA = Path(__file__).resolve().parent / "data"
PASSWORD = "correct horse battery"
BASE = "http://localhost"


def _database_url(tmp_path):
    """The test database: PostgreSQL when DATABASE_URL says so, else a fresh SQLite file."""
    return os.environ.get("DATABASE_URL") or f"sqlite:///{tmp_path / 'test.sqlite'}"


@pytest.fixture
def app(tmp_path):
    app = create_app({
        "TESTING": True,
        "DATABASE_URL": _database_url(tmp_path),
        "SECRET_KEY": "test secret",
        "BASE_URL": BASE,
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": "localhost",
    })
    # the test keeps one app context open across requests, so forget the signed-in
    # user after each request, as a fresh context would in production
    app.teardown_request(lambda exc: g.pop("_login_user", None))
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        db.create_all()
        yield app
        db.session.remove()
        if db.engine.dialect.name == "postgresql":
            db.drop_all()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def seeded(app):
    """The five seed documents and their example annotations."""
    results = import_paths([SEEDS])
    assert all(r.action == "created" for r in results), results
    with SEED_ANNOTATIONS.open(encoding="utf-8") as handle:
        import_annotations(json.load(handle), BASE)
    db.session.commit()
    return app


@pytest.fixture
def editor(app):
    user = add_user("eddie", PASSWORD, "editor", "Eddie Editor")
    db.session.commit()
    return user


@pytest.fixture
def admin(app):
    user = add_user("ada", PASSWORD, "admin", "Ada Admin")
    db.session.commit()
    return user


@pytest.fixture
def token(editor):
    value = issue_token(editor, "tests")
    db.session.commit()
    return value


def csrf_token(client, path="/login"):
    """Return the CSRF token of the form on ``path``."""
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def login(client, name="eddie", password=PASSWORD):
    """Sign in through the form; return the response."""
    return client.post("/login", data={"name": name, "password": password,
                                       "csrf_token": csrf_token(client)})


@pytest.fixture
def editor_client(client, editor):
    assert login(client).status_code == 302
    return client
