"""Editors' discussion on a note: W3C replies that readers never see, threads, mentions."""

import json

import pytest
from sqlalchemy import select

from reader.extensions import db
from reader.models import Annotation, Mention
from reader.services.discussion import discussions, mentioned_names, mentions_of
from reader.services.documents import create_document
from reader.services.users import issue_token
from tests.conftest import csrf_token, login

TEXT = "A title\n\nThe spokesman said the talks were constructive.\n"
DOC = "http://localhost/docs/a-title"


@pytest.fixture
def doc(app):
    document = create_document(TEXT, {"title": "A title"})
    db.session.commit()
    return document


def _auth(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def note(client, doc, token):
    """A published note, as its IRI."""
    response = client.post("/annotations/", headers=_auth(token), json={
        "type": "Annotation", "motivation": "commenting", "bodyValue": "Which talks?",
        "target": {"source": DOC, "selector": {"type": "TextQuoteSelector", "exact": "the talks"}}})
    assert response.status_code == 201
    return response.headers["Location"]


def _reply(client, token, target, text):
    return client.post("/annotations/", headers=_auth(token), json={
        "@context": "http://www.w3.org/ns/anno.jsonld", "type": "Annotation",
        "motivation": "replying", "target": target,
        "body": {"type": "TextualBody", "value": text, "format": "text/markdown"}})


@pytest.mark.parametrize("text, names", [
    ("@frank look", ["frank"]),
    ("ask @frank. and @Eddie, or @frank again", ["frank", "Eddie"]),
    ("mail frank@example.org or @-", []),
    ("(@maria.k-2)", ["maria.k-2"]),
    ("@a is too short", []),
])
def test_mentioned_names(text, names):
    assert mentioned_names(text) == names


def test_a_reply_is_a_w3c_reply_readers_never_see(client, note, token, frank):
    response = _reply(client, token, note, "Which **talks**? cc @frank")
    assert response.status_code == 201
    reply = response.get_json()
    assert reply["motivation"] == "replying" and reply["target"] == note
    assert "ar:status" not in reply
    location = response.headers["Location"]
    assert client.get(location).status_code == 404  # a reader
    assert client.get(location, headers=_auth(token)).status_code == 200  # an editor
    page = client.get("/docs/a-title").get_data(as_text=True)
    assert "cc @frank" not in page and "Which <strong>talks" not in page
    assert client.get("/annotations/").get_json()["total"] == 1
    assert client.get("/docs/a-title/annotations.json").get_json()["total"] == 1
    assert "Nothing found" in client.get("/search?q=frank").get_data(as_text=True)
    index = client.get("/").get_data(as_text=True)
    assert 'data-count' not in index or "Which talks" not in index


def test_a_reply_answers_a_live_note_of_ours(client, note, token):
    assert _reply(client, token, "http://elsewhere.example/annotations/1", "x").status_code == 422
    assert _reply(client, token, "http://localhost/annotations/999", "x").status_code == 422
    assert _reply(client, token, note, "   ").status_code == 422
    etag = client.get(note, headers=_auth(token)).headers["ETag"]
    assert client.delete(note, headers={**_auth(token), "If-Match": etag},
                         query_string={"reason": "A duplicate."}).status_code == 204
    assert _reply(client, token, note, "too late").status_code == 422


def test_replies_thread_and_mentions_are_recorded_for_known_editors(
        client, note, token, editor, frank):
    first = _reply(client, token, note, "@frank can you check? @nobody").headers["Location"]
    answer = _reply(client, issue_token(frank), first, "Yes, @eddie: on it.").headers["Location"]
    _reply(client, token, answer, "Thanks.")
    _reply(client, token, note, "A second thread.")
    db.session.commit()
    note_id = int(note.rsplit("/", 1)[1])
    document = db.session.get(Annotation, note_id).document
    thread = discussions(document)[note_id]
    assert [(c.annotation.body, c.depth) for c in thread] == [
        ("@frank can you check? @nobody", 1), ("Yes, @eddie: on it.", 2), ("Thanks.", 3),
        ("A second thread.", 1)]
    assert [r.body for r in mentions_of(frank)] == ["@frank can you check? @nobody"]
    assert [r.body for r in mentions_of(editor)] == ["Yes, @eddie: on it."]
    assert db.session.scalars(select(Mention)).all().__len__() == 2


def test_the_editor_page_shows_the_thread_and_posts_comments_with_csrf(
        app, client, doc, note, token, frank):
    note_id = int(note.rsplit("/", 1)[1])
    login(client, "frank")
    url = f"/editor/api/annotations/{note_id}/comments"
    assert client.post(url, json={"body": "no token"}).status_code == 400
    csrf = {"X-CSRFToken": csrf_token(client, "/docs/a-title")}
    posted = client.post(url, json={"body": "See <script>alert(1)</script> **this**, @eddie"},
                         headers=csrf)
    assert posted.status_code == 201
    html = posted.get_json()["notes_html"]
    assert "<strong>this</strong>" in html and "<script>" not in html
    assert 'data-discussion="%d"' % note_id in html
    comment = db.session.scalars(select(Annotation).filter_by(kind="reply")).one()
    answered = client.post(url, json={"body": "And more.", "reply_to": comment.id}, headers=csrf)
    assert answered.status_code == 201
    assert db.session.scalars(select(Annotation).filter_by(body="And more.")).one().reply_to_id \
        == comment.id
    assert client.post(url, json={"body": "x", "reply_to": note_id + 999},
                       headers=csrf).status_code == 404
    assert client.post(url, json={"body": ""}, headers=csrf).status_code == 422
    reader = app.test_client().get("/docs/a-title").get_data(as_text=True)
    assert "And more." not in reader and "Discussion" not in reader


def test_a_comment_with_a_nul_character_is_refused_and_nothing_is_saved(client, doc, note):
    note_id = int(note.rsplit("/", 1)[1])
    login(client)
    csrf = {"X-CSRFToken": csrf_token(client, "/docs/a-title")}
    response = client.post(f"/editor/api/annotations/{note_id}/comments",
                           json={"body": "a\x00b"}, headers=csrf)
    assert response.status_code == 422
    assert "NUL" in response.get_json()["fields"]["body"]
    assert db.session.scalars(select(Annotation).filter_by(kind="reply")).all() == []


def test_replies_are_exported_only_with_drafts_and_import_again(
        client, runner, note, token, tmp_path):
    first = _reply(client, token, note, "First, @eddie.").headers["Location"]
    _reply(client, token, first, "An answer.")
    plain = runner.invoke(args=["annotations", "export"]).output
    assert "replying" not in plain and "An answer." not in plain
    full = tmp_path / "full.jsonld"
    result = runner.invoke(args=["annotations", "export", "--include-drafts", "-o", str(full)])
    assert result.exit_code == 0
    items = json.loads(full.read_text())["first"]["items"]
    assert [i["motivation"] for i in items] == ["commenting", "replying", "replying"]
    before = {a.id: (a.kind, a.reply_to_id, a.body, a.creator_id, a.created_at)
              for a in db.session.scalars(select(Annotation))}
    for annotation in db.session.scalars(select(Annotation).order_by(Annotation.id.desc())):
        db.session.delete(annotation)
    db.session.commit()
    # replies before their notes in the file: the import still places each after its parent
    full.write_text(json.dumps(list(reversed(items))))
    result = runner.invoke(args=["annotations", "import", str(full)])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    after = {a.id: (a.kind, a.reply_to_id, a.body, a.creator_id, a.created_at)
             for a in db.session.scalars(select(Annotation))}
    assert after == before
    assert len(db.session.scalars(select(Mention)).all()) == 1
    again = runner.invoke(args=["annotations", "import", str(full)])
    assert "0 created" in again.output and "3 unchanged" in again.output


def test_only_its_author_edits_a_comment(client, note, token, frank):
    location = _reply(client, token, note, "Mine.").headers["Location"]
    etag = client.get(location, headers=_auth(token)).headers["ETag"]
    body = {"type": "Annotation", "motivation": "replying", "target": note, "bodyValue": "Edited."}
    assert client.put(location, json=body, headers={
        **_auth(issue_token(frank)), "If-Match": etag}).status_code == 403
    response = client.put(location, json=body, headers={**_auth(token), "If-Match": etag})
    assert response.status_code == 200
    assert client.get(location, headers=_auth(token)).get_json()["body"][0]["value"] == "Edited."
