"""Revising a document's text in the browser: annotations follow their words; revisions compare."""

import re

from sqlalchemy import select

from reader.extensions import db
from reader.models import Annotation, Document
from reader.services.annotations import create_annotation
from reader.services.documents import create_document

TEXT = "Talks\n\nThe minister said the talks were constructive.\n\nA paragraph about sanctions.\n"


def _setup():
    document = create_document(TEXT, {"title": "Talks"})
    notes = {}
    for words in ("talks were constructive", "sanctions", "The minister said"):
        start = TEXT.index(words)
        notes[words] = create_annotation(document, {
            "kind": "note", "body": words, "status": "published", "start": start,
            "end": start + len(words), "exact": words})
    db.session.commit()
    return document, notes


def _token(client, path):
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                     client.get(path).get_data(as_text=True)).group(1)


def test_revising_the_text_moves_notes_and_orphans_the_lost(app, editor_client):
    document, notes = _setup()
    new = ("Talks\n\nAn added first paragraph.\n\nThe minister said the talks were very "
           "constructive.\n\nAnother topic entirely.\n")
    response = editor_client.post("/editor/docs/talks/text", data={
        "csrf_token": _token(editor_client, "/editor/docs/talks/text"), "text": new,
        "note": "rewrote the ending"})
    assert response.status_code == 302
    db.session.expire_all()
    document = db.session.scalars(select(Document)).one()
    assert document.revision == 2 and document.text == new
    by_body = {a.body: a for a in db.session.scalars(select(Annotation))}
    assert new[by_body["The minister said"].start:by_body["The minister said"].end] == "The minister said"
    assert by_body["talks were constructive"].anchor_state == "fuzzy"
    assert by_body["talks were constructive"].exact == "talks were very constructive"
    assert by_body["sanctions"].orphan and by_body["sanctions"].start is None
    assert by_body["sanctions"].exact == "sanctions"  # the orphan keeps its last quote
    reader_html = app.test_client().get("/docs/talks").get_data(as_text=True)
    assert "A paragraph about sanctions" not in reader_html
    assert f'id="a-{by_body["sanctions"].id}"' not in reader_html  # readers never see orphans
    editor_html = editor_client.get("/docs/talks").get_data(as_text=True)
    assert "Orphaned notes" in editor_html and f'id="a-{by_body["sanctions"].id}"' in editor_html


def test_revisions_compare_side_by_side(editor_client):
    document, _ = _setup()
    editor_client.post("/editor/docs/talks/text", data={
        "csrf_token": _token(editor_client, "/editor/docs/talks/text"),
        "text": TEXT.replace("constructive", "<b>useful</b>")})
    html = editor_client.get("/editor/docs/talks/revisions?from=1&to=2").get_data(as_text=True)
    assert "<del>constructive</del>" in html
    assert "<ins>&lt;b&gt;useful&lt;/b&gt;</ins>" in html
    assert editor_client.get("/editor/docs/talks/revisions?from=1&to=9").status_code == 404


def test_an_empty_text_is_refused_and_nothing_changes(editor_client):
    _setup()
    response = editor_client.post("/editor/docs/talks/text", data={
        "csrf_token": _token(editor_client, "/editor/docs/talks/text"), "text": "   "})
    assert response.status_code == 200
    assert db.session.scalars(select(Document)).one().revision == 1


def test_readers_cannot_revise(client):
    _setup()
    assert client.post("/editor/docs/talks/text", data={"text": "x"}).status_code == 401
    assert client.get("/editor/docs/talks/revisions").status_code == 302
