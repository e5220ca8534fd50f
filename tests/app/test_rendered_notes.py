"""A note is rendered once, when it is saved: readers' pages show the stored HTML.

Whatever the body (here the 9,990 `[` that once took a minute per page view), every way
of writing a note stores its HTML, and no reader's request renders Markdown again.
"""

import json

import pytest
from sqlalchemy import select

from reader import sanitize
from reader.extensions import db
from reader.models import Annotation
from reader.services.documents import create_document
from tests.conftest import csrf_token

TEXT = "A title\n\nThe spokesman said the claims were absurd.\n"
DOC = "http://localhost/docs/a-title"
HOSTILE = "[" * 9_990


@pytest.fixture
def doc(app):
    document = create_document(TEXT, {"title": "A title"})
    db.session.commit()
    return document


@pytest.fixture
def renders(monkeypatch):
    """Count Markdown renderings (every non-empty body passes through sanitize._tools)."""
    calls = []
    real = sanitize._tools

    def counted():
        calls.append(1)
        return real()
    monkeypatch.setattr(sanitize, "_tools", counted)
    return calls


@pytest.fixture
def refuse_rendering(monkeypatch):
    """From now on, rendering a note fails the test."""
    def refuse():
        raise AssertionError("a note was rendered while serving a page")
    return lambda: monkeypatch.setattr(sanitize, "_tools", refuse)


def _context_note(body, exact="the claims"):
    start = TEXT.index(exact)
    return {"@context": "http://www.w3.org/ns/anno.jsonld", "type": "Annotation",
            "motivation": "describing", "ar:relation": "paraphrase",
            "ar:source": {"type": "ar:Source", "ar:title": "Briefing", "ar:speaker": "A spokesman"},
            "body": {"type": "TextualBody", "value": body, "format": "text/markdown"},
            "target": {"source": DOC, "selector": [
                {"type": "TextQuoteSelector", "exact": exact},
                {"type": "TextPositionSelector", "start": start, "end": start + len(exact)}]}}


def _auth(token):
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/ld+json"}


def _stored_html_is_current():
    """Every note's stored HTML is what the renderer makes of its body now."""
    for annotation in db.session.scalars(select(Annotation)):
        db.session.refresh(annotation)
        assert annotation.body_html == str(sanitize.render_markdown(annotation.body)), annotation.id
    return True


def test_a_hostile_body_posted_through_the_api_is_rendered_once_and_never_for_readers(
        client, doc, token, renders, refuse_rendering):
    response = client.post("/annotations/", json=_context_note(HOSTILE), headers=_auth(token))
    assert response.status_code == 201
    assert len(renders) == 1  # on saving, once
    note = db.session.scalars(select(Annotation)).one()
    assert note.body_html.count("[") == len(HOSTILE)
    refuse_rendering()
    for url in ("/docs/a-title", f"/sources/{note.source_id}", "/docs/a-title?kind=context",
                "/", "/stats", "/search?q=claims", f"/annotations/{note.id}",
                "/docs/a-title/annotations.json"):
        page = client.get(url)
        assert page.status_code == 200, url
    for url in ("/docs/a-title", f"/sources/{note.source_id}"):
        assert client.get(url).get_data(as_text=True).count("[") >= len(HOSTILE), url


def test_editors_pages_show_stored_notes_without_rendering(editor_client, doc, token,
                                                           refuse_rendering):
    created = editor_client.post("/annotations/", json=_context_note("**Which** claims?"),
                                 headers=_auth(token))
    source_id = db.session.get(Annotation, int(created.get_json()["id"].rsplit("/", 1)[1])).source_id
    refuse_rendering()
    for url in ("/docs/a-title", f"/sources/{source_id}"):
        page = editor_client.get(url)
        assert page.status_code == 200 and "<strong>Which</strong> claims?" in page.get_data(as_text=True)


def test_every_way_of_writing_a_note_stores_its_html(editor_client, runner, doc, token,
                                                     tmp_path, renders):
    csrf = {"X-CSRFToken": csrf_token(editor_client, "/docs/a-title")}
    start = TEXT.index("spokesman")
    span = {"start": start, "end": start + len("spokesman"), "exact": "spokesman"}
    made = editor_client.post("/editor/api/docs/a-title/annotations", headers=csrf,
                              json={"kind": "note", "body": "*First* words", **span})
    assert made.status_code == 201
    note = made.get_json()["annotation"]
    assert "<em>First</em>" in db.session.get(Annotation, note["id"]).body_html

    edited = editor_client.put(f"/editor/api/annotations/{note['id']}", headers=csrf,
                               json={"body": "**Second** words", "version": note["version"]})
    assert edited.status_code == 200
    assert "<strong>Second</strong>" in db.session.get(Annotation, note["id"]).body_html

    rendered = len(renders)
    version = edited.get_json()["annotation"]["version"]
    for action in ("publish", "delete", "restore"):
        response = editor_client.post(f"/editor/api/annotations/{note['id']}/{action}",
                                      headers=csrf, json={"version": version,
                                                          "reason": "A duplicate."})
        assert response.status_code == 200, response.get_json()
        version = response.get_json()["annotation"]["version"]
    assert len(renders) == rendered  # the body did not change: nothing rendered again

    posted = editor_client.post("/annotations/", json=_context_note("API _note_"),
                                headers=_auth(token))
    assert posted.status_code == 201
    put = editor_client.put(posted.headers["Location"], json=_context_note("API `edit`"),
                            headers={**_auth(token), "If-Match": posted.headers["ETag"]})
    assert put.status_code == 200
    assert _stored_html_is_current()

    exported = runner.invoke(args=["annotations", "export", "--include-drafts"])
    assert exported.exit_code == 0, exported.output
    collection = json.loads(exported.output)
    for item in collection["first"]["items"]:  # imported again as new notes, by their own ids
        item.pop("id")
        item["body"] = [{"type": "TextualBody", "value": "Imported > **strong**",
                         "format": "text/markdown"}]
    path = tmp_path / "notes.jsonld"
    path.write_text(json.dumps(collection), encoding="utf-8")
    imported = runner.invoke(args=["annotations", "import", str(path)])
    assert imported.exit_code == 0, imported.output
    html = [a.body_html for a in db.session.scalars(select(Annotation))]
    assert html.count("<p>Imported &gt; <strong>strong</strong></p>") == 2
    assert _stored_html_is_current()


def test_seeded_notes_are_stored_rendered_and_shown_without_rendering(seeded, client,
                                                                      refuse_rendering):
    assert _stored_html_is_current()
    refuse_rendering()
    notes = db.session.scalars(select(Annotation).where(Annotation.status == "published")).all()
    urls = {f"/docs/{a.document.slug}" for a in notes}
    urls |= {f"/sources/{a.source_id}" for a in notes if a.source_id}
    for url in sorted(urls):
        page = client.get(url)
        assert page.status_code == 200 and 'class="note-body"><p>' in page.get_data(as_text=True)
