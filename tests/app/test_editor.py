"""The editor's JSON calls and pages: auth, CSRF, validation, versions, delete and restore."""

import io
import re

import pytest
from sqlalchemy import select

from reader.extensions import db
from reader.models import Annotation, Document, Source
from reader.services.documents import create_document
from tests.conftest import csrf_token, login

TEXT = "Title of the piece\n\nThe minister said the talks were “constructive”.\nA second line.\n"


@pytest.fixture
def doc(app):
    document = create_document(TEXT, {"title": "Talks"})
    db.session.commit()
    return document


def _span(word, text=TEXT):
    start = text.index(word)
    return {"start": start, "end": start + len(word), "exact": word}


def _post(client, url, data, token=None):
    headers = {"X-CSRFToken": token} if token else {}
    return client.post(url, json=data, headers=headers)


@pytest.fixture
def token_for(editor_client):
    return csrf_token(editor_client, "/docs/talks")


def test_anonymous_writes_get_401_and_pages_send_you_to_sign_in(client, doc):
    response = client.post("/editor/api/docs/talks/annotations", json={"kind": "note"})
    assert response.status_code == 401
    assert response.get_json()["error"] == "Unauthorized"
    page = client.get("/editor/deleted")
    assert page.status_code == 302 and "/login?next=/editor/deleted" in page.headers["Location"]


def test_a_json_write_without_the_csrf_token_gets_400(editor_client, doc):
    response = _post(editor_client, "/editor/api/docs/talks/annotations",
                     {"kind": "note", "body": "x", **_span("talks")})
    assert response.status_code == 400
    assert "CSRF" in response.get_json()["detail"]
    assert db.session.scalars(select(Annotation)).first() is None


def test_create_returns_the_rerendered_page_parts(editor_client, doc, token_for):
    response = _post(editor_client, "/editor/api/docs/talks/annotations",
                     {"kind": "note", "body": "**Which** talks?", "tags": "diplomacy, talks",
                      **_span("the talks")}, token_for)
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    annotation_id = data["annotation"]["id"]
    assert f'data-annotations="{annotation_id}">the talks</mark>' in data["text_html"]
    assert "<strong>Which</strong>" in data["notes_html"] and "Draft" in data["notes_html"]
    stored = db.session.get(Annotation, annotation_id)
    assert (stored.status, stored.tags, stored.creator.name) == ("draft", ["diplomacy", "talks"], "eddie")
    assert [r.action for r in stored.revisions] == ["created"]


@pytest.mark.parametrize("change, field, message", [
    ({"start": 5, "end": 9, "exact": "nope"}, "span", "not the quoted"),
    ({"start": 0, "end": 999, "exact": "x"}, "span", "outside the text"),
    ({"start": 18, "end": 20, "exact": "\n\n"}, "span", "empty or only whitespace"),
    ({"kind": "opinion"}, "kind", "unknown kind"),
    ({"body": "x" * 10_001}, "body", "at most 10,000"),
    ({"tags": [f"t{i}" for i in range(21)]}, "tags", "at most 20 tags"),
    ({"tags": ["x" * 41]}, "tags", "at most 40"),
    ({"kind": "factcheck", "verdict": "maybe"}, "verdict", "unknown verdict"),
    # the form asks in the words it shows, not in internal keys
    ({"kind": "factcheck"}, "verdict",
     "choose one of: Accurate, Mostly accurate, Misleading, False, Unsupported, Unverifiable"),
    ({"kind": None}, "kind", "choose one of: Editorial note, Source context, Fact check"),
    ({"kind": "context", "source": {"title": "Speech"}}, "relation",
     "choose one of: verbatim, a translation, a paraphrase, a summary, not found in the source"),
    ({"kind": "context", "source": {"title": "Speech", "url": "javascript:alert(1)"},
      "relation": "verbatim"}, "source.url", "http"),
    ({"kind": "context", "source": {"title": "Speech", "occurred_on": "2021-02-30"},
      "relation": "verbatim"}, "source.occurred_on", "valid date"),
    ({"kind": "context", "source": {"title": "Speech"}, "relation": "rumour"}, "relation", "unknown"),
])
def test_every_rule_is_checked_on_the_server(editor_client, doc, token_for, change, field, message):
    data = {"kind": "note", "body": "A note.", **_span("talks"), **change}
    response = _post(editor_client, "/editor/api/docs/talks/annotations", data, token_for)
    assert response.status_code == 422
    assert message in response.get_json()["fields"][field]
    assert db.session.scalars(select(Annotation)).first() is None
    assert db.session.scalars(select(Source)).first() is None


def test_a_stale_edit_gets_409_naming_what_changed_and_overwrites_nothing(
        editor_client, doc, token_for):
    created = _post(editor_client, "/editor/api/docs/talks/annotations",
                    {"kind": "note", "body": "first", **_span("talks")}, token_for).get_json()
    annotation_id = created["annotation"]["id"]
    ok = editor_client.put(f"/editor/api/annotations/{annotation_id}",
                           json={"body": "second", "version": 1},
                           headers={"X-CSRFToken": token_for})
    assert ok.status_code == 200 and ok.get_json()["annotation"]["version"] == 2
    stale = editor_client.put(f"/editor/api/annotations/{annotation_id}",
                              json={"body": "third", "version": 1},
                              headers={"X-CSRFToken": token_for})
    assert stale.status_code == 409
    data = stale.get_json()
    assert data["changed"] == ["body"] and data["current"]["body"] == "second"
    assert "Eddie Editor changed this note" in data["detail"]
    assert db.session.get(Annotation, annotation_id).body == "second"


def test_publish_delete_restore_and_history(editor_client, client, doc, token_for):
    created = _post(editor_client, "/editor/api/docs/talks/annotations",
                    {"kind": "note", "body": "a note", **_span("talks")}, token_for).get_json()
    annotation_id = created["annotation"]["id"]
    url = f"/editor/api/annotations/{annotation_id}"
    published = _post(editor_client, f"{url}/publish", {"version": 1}, token_for)
    assert published.status_code == 200
    deleted = _post(editor_client, f"{url}/delete", {"version": 2, "reason": "A duplicate."},
                    token_for)
    assert deleted.status_code == 200 and f'id="a-{annotation_id}"' not in deleted.get_json()["notes_html"]
    listing = editor_client.get("/editor/deleted").get_data(as_text=True)
    assert f'id="deleted-{annotation_id}"' in listing
    form_token = re.search(r'name="csrf_token" value="([^"]+)"', listing).group(1)
    restored = editor_client.post(f"/editor/annotations/{annotation_id}/restore",
                                  data={"csrf_token": form_token})
    assert restored.status_code == 302
    assert db.session.get(Annotation, annotation_id).deleted_at is None
    history = editor_client.get(f"/editor/annotations/{annotation_id}/history").get_data(as_text=True)
    for action in ("created", "published", "deleted", "restored"):
        assert f": {action}</strong>" in history


def test_a_note_on_the_whole_document(editor_client, doc, token_for):
    response = _post(editor_client, "/editor/api/docs/talks/annotations",
                     {"kind": "note", "body": "About the whole piece.", "status": "published"},
                     token_for)
    assert response.status_code == 201
    assert "About the whole piece." in response.get_json()["whole_html"]
    assert "<mark" not in response.get_json()["text_html"]


def test_preview_matches_what_readers_see(editor_client, token_for):
    response = _post(editor_client, "/editor/api/preview",
                     {"body": "*hi* <img src=x onerror=alert(1)>"}, token_for)
    assert response.get_json()["html"] == "<p><em>hi</em> </p>"


def test_source_search(editor_client, doc, token_for):
    _post(editor_client, "/editor/api/docs/talks/annotations",
          {"kind": "context", "relation": "paraphrase", **_span("constructive"),
           "source": {"title": "Press conference", "speaker": "The Minister"}}, token_for)
    found = editor_client.get("/editor/api/sources?q=minister").get_json()
    assert [s["title"] for s in found] == ["Press conference"]


def test_edit_document_metadata_keeps_the_slug(editor_client, doc):
    page = editor_client.get("/editor/docs/talks/edit")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    bad = editor_client.post("/editor/docs/talks/edit", data={
        "csrf_token": token, "title": "New title", "source_url": "ftp://x"})
    assert bad.status_code == 200 and "http" in bad.get_data(as_text=True)
    ok = editor_client.post("/editor/docs/talks/edit", data={
        "csrf_token": token, "title": "New title", "outlet": "Wire", "published_on": "2021-11-18"})
    assert ok.status_code == 302 and ok.headers["Location"].endswith("/docs/talks")
    assert db.session.scalars(select(Document)).one().title == "New title"


def test_add_a_document_by_upload_or_paste(editor_client):
    page = editor_client.get("/editor/docs/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    upload = editor_client.post("/editor/docs/new", data={
        "csrf_token": token, "file": (io.BytesIO("\ufeffUploaded\r\n\r\nBody.\r\n".encode()), "u.txt")},
        content_type="multipart/form-data")
    assert upload.status_code == 302 and "/editor/intake/" in upload.headers["Location"]
    confirm = editor_client.get(upload.headers["Location"]).get_data(as_text=True)
    assert 'value="Uploaded"' in confirm
    saved = editor_client.post(upload.headers["Location"], data={"csrf_token": token,
                                                                "title": "Uploaded"})
    assert saved.status_code == 302
    assert db.session.scalars(select(Document)).one().text == "Uploaded\n\nBody.\n"
    bad = editor_client.post("/editor/docs/new", data={
        "csrf_token": token, "file": (io.BytesIO(b"\xff\xfe\x00bad"), "bad.txt")},
        content_type="multipart/form-data")
    assert bad.status_code == 200 and "bad.txt: not UTF-8" in bad.get_data(as_text=True)
    empty = editor_client.post("/editor/docs/new", data={"csrf_token": token, "text": "  "})
    assert "Paste the text, choose a file or give an address." in empty.get_data(as_text=True)


def test_login_has_one_message_for_wrong_name_or_password(client, editor):
    wrong_password = login(client, "eddie", "wrong password")
    wrong_name = login(client, "nobody", "wrong password")
    assert wrong_password.status_code == wrong_name.status_code == 401
    assert "Wrong name or password." in wrong_password.get_data(as_text=True)
    assert "Wrong name or password." in wrong_name.get_data(as_text=True)


def test_login_without_csrf_token_is_refused(client, editor):
    response = client.post("/login", data={"name": "eddie", "password": "x" * 10})
    assert response.status_code == 400
    assert client.get("/editor/deleted").status_code == 302  # still signed out


def test_repeated_failures_are_throttled(app, editor):
    from reader import create_app
    limited = create_app({**app.config, "RATELIMIT_ENABLED": True})
    with limited.app_context():
        client = limited.test_client()
        statuses = [login(client, "eddie", "wrong password").status_code for _ in range(12)]
        db.session.remove()
        db.engine.dispose()  # a second app's engine: close its connections (PostgreSQL)
    assert statuses[0] == 401 and statuses[-1] == 429


def test_session_cookie_is_httponly_and_samesite_lax(client, editor):
    response = login(client)
    cookie = response.headers.get("Set-Cookie")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_bearer_token_authenticates_json_writes_without_csrf(client, doc, token):
    response = client.post("/editor/api/docs/talks/annotations",
                           json={"kind": "note", "body": "via token", **_span("talks")},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201
    assert db.session.scalars(select(Annotation)).one().creator.name == "eddie"


def test_account_page_issues_and_revokes_tokens(editor_client, client):
    page = editor_client.get("/account").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    created = editor_client.post("/account", data={"csrf_token": token, "label": "script"})
    value = re.search(r'id="new-token">([^<]+)<', created.get_data(as_text=True)).group(1)
    editor_client.post("/logout", data={"csrf_token": token})
    assert client.get("/editor/api/annotations/1", headers={"Authorization": f"Bearer {value}"}).status_code == 404
    login(editor_client)
    page = editor_client.get("/account").get_data(as_text=True)
    revoke = re.search(r'action="(/account/tokens/\d+/revoke)"', page).group(1)
    form_token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert editor_client.post(revoke, data={"csrf_token": form_token}).status_code == 302
    editor_client.post("/logout", data={"csrf_token": form_token})
    assert client.get("/editor/api/annotations/1", headers={"Authorization": f"Bearer {value}"}).status_code == 401
