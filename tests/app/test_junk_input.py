"""Junk in every form field, JSON member and query argument of every route: never a 5xx.

Signed in as an editor with a valid CSRF token, so the junk reaches the views (rather
than stopping at 401 or 400 for the token).
"""

import json
import re

import pytest
from sqlalchemy import select

from reader.extensions import db
from reader.models import Annotation, Document, Source
from reader.services.desk import SECTIONS
from reader.services.intake import receive

# every field name a form or JSON body of the app reads, and every query argument
FIELDS = (
    "name", "password", "remember", "label", "title", "outlet", "author", "published_on",
    "source_url", "text", "note", "speaker", "venue", "occurred_on", "url", "language",
    "notes", "version", "into", "start", "end", "other", "other_start", "other_end",
    "relation", "other_relation", "source_id", "source_title", "source_speaker",
    "source_date", "source_venue", "body", "kind", "tags", "status", "exact", "verdict",
    "source", "q", "page", "from", "to", "doc", "tag", "prefix", "suffix",
    "original_outlet", "revise", "separate",
)
TEXT_JUNK = (
    "abc", "-1", "0", "1.5", "99999999999999999999", "2147483648", "１２", "²", "",
    "\x00", "a\x00b", "\u202egnp.exe", "\ufeff", "2021-02-30", "<script>alert(1)</script>",
    "x" * 5000, "' OR 1=1 --", "%_\\", "🦜" * 50, " ",
)
JSON_JUNK = TEXT_JUNK + (None, True, -1, 2**70, 1e308, [], {}, [1, "a"], {"title": None},
                         {"id": "http://localhost/sources/2147483647"})
SKIPPED = {("auth.logout", "POST")}  # junk there would only sign the editor out
PAGE_HTML = (b"<html><head><title>A page</title></head><body><article>"
             + b"<p>A paragraph about diplomacy that is long enough to be an article.</p>" * 8
             + b"</article></body></html>")


def _routes(app, methods):
    return sorted((rule.endpoint, method, rule) for rule in app.url_map.iter_rules()
                  for method in rule.methods & methods if (rule.endpoint, method) not in SKIPPED)


def _url(app, rule):
    document = db.session.scalars(select(Document).order_by(Document.id)).first()
    annotation = db.session.scalars(select(Annotation).order_by(Annotation.id)).first()
    last = db.session.scalars(select(Document.slug).order_by(Document.id.desc())).first()
    values = {"slug": document.slug, "slug_a": document.slug, "slug_b": last,
              "annotation_id": annotation.id, "action": "publish",
              "source_id": db.session.scalars(select(Source.id).order_by(Source.id)).first(),
              "token_id": 1, "filename": "reader.css", "user_id": 1,
              "token": "not-a-token", "intake_id": 1, "assignment_id": 1, "key": SECTIONS[0].key,
              "message_id": 1, "decision": "accept"}
    if rule.endpoint.startswith("editor.") and {"token", "intake_id"} & rule.arguments:
        intake = receive("page.html", PAGE_HTML, None, max_bytes=len(PAGE_HTML))  # a page to confirm
        db.session.commit()
        values.update({"token": intake.token, "intake_id": intake.id})
    choices = getattr(rule._converters.get("action"), "items", None)
    if choices:  # an <any(...)> action: the first it takes
        values["action"] = sorted(choices)[0]
    with app.test_request_context():
        return rule.build({k: values[k] for k in rule.arguments}, append_unknown=False)[1]


def _token(client, slug):
    html = client.get(f"/docs/{slug}").get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _check(response, label, failures):
    response.close()
    if response.status_code >= 500:
        failures.append(f"{label}: {response.status_code}")


def test_junk_in_forms_and_json_never_makes_a_server_error(seeded, editor_client):
    seeded.config["PROPAGATE_EXCEPTIONS"] = False  # a server error is a 500 to count, not a raise
    slug = db.session.scalars(select(Document.slug).order_by(Document.id)).first()
    token = _token(editor_client, slug)
    failures = []
    for endpoint, method, rule in _routes(seeded, {"POST", "PUT", "DELETE"}):
        url = _url(seeded, rule)
        for junk in TEXT_JUNK:
            data = {field: junk for field in FIELDS}
            data["csrf_token"] = token
            _check(editor_client.open(url, method=method, data=data),
                   f"{method} {url} form {junk[:20]!r}", failures)
        for junk in JSON_JUNK:
            body = {field: junk for field in FIELDS}
            _check(editor_client.open(url, method=method, data=json.dumps(body),
                                      headers={"X-CSRFToken": token,
                                               "Content-Type": "application/json"}),
                   f"{method} {url} JSON {str(junk)[:20]!r}", failures)
        for raw in ("[" * 5000, "{\"a\": ", "\xff\xfe", "null"):
            _check(editor_client.open(url, method=method, data=raw.encode("utf-8", "replace"),
                                      headers={"X-CSRFToken": token,
                                               "Content-Type": "application/json"}),
                   f"{method} {url} raw {raw[:10]!r}", failures)
    assert not failures, "\n".join(failures[:200])


@pytest.mark.parametrize("signed_in", [False, True], ids=["reader", "editor"])
def test_junk_in_query_arguments_never_makes_a_server_error(seeded, editor, signed_in):
    seeded.config["PROPAGATE_EXCEPTIONS"] = False
    client = seeded.test_client()
    if signed_in:
        from tests.conftest import login
        assert login(client).status_code == 302
    failures = []
    for endpoint, method, rule in _routes(seeded, {"GET"}):
        url = _url(seeded, rule)
        for junk in TEXT_JUNK:
            query = {field: junk for field in FIELDS}
            _check(client.get(url, query_string=query), f"GET {url} {junk[:20]!r}", failures)
    assert not failures, "\n".join(failures[:200])


def test_a_nul_in_a_documents_address_is_not_found(seeded, editor_client):
    seeded.config["PROPAGATE_EXCEPTIONS"] = False
    token = _token(editor_client, db.session.scalars(select(Document.slug)).first())
    statuses = {}
    for endpoint, method, rule in _routes(seeded, {"GET", "POST"}):
        if "slug" not in rule.arguments:
            continue
        url = _url(seeded, rule).replace(
            db.session.scalars(select(Document.slug).order_by(Document.id)).first(), "a%00b")
        response = editor_client.open(url, method=method, data={"csrf_token": token})
        statuses[f"{method} {url}"] = response.status_code
    assert statuses and set(statuses.values()) == {404}, statuses
