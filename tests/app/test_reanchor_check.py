"""Re-anchoring is visible: a note moved onto changed words, or orphaned, is flagged for editors
until one confirms or re-attaches it, and every such re-anchoring is in the note's history."""

import re
from html import unescape

import pytest
from sqlalchemy import select

from reader.extensions import db
from reader.models import Annotation, AnnotationRevision, Document, User
from reader.services.annotations import create_annotation
from reader.services.documents import create_document, revise_text
from tests.conftest import csrf_token, sql_statements

TEXT = ("Council\n\nJust a week earlier, at the operational meeting of the permanent members of "
        "the Security Council, the outlines were considered.\n\nA paragraph about sanctions.\n")
QUOTE = "the operational meeting of the permanent members of the Security Council"
REVISED = TEXT.replace("permanent", "standing")


@pytest.fixture
def doc(app):
    document = create_document(TEXT, {"title": "Council"})
    db.session.commit()
    return document


def _note(document, words, kind="factcheck", **fields):
    start = document.text.index(words)
    data = {"kind": kind, "body": "Checked against the readout.", "status": "published",
            "start": start, "end": start + len(words), "exact": words,
            "verdict": "accurate" if kind == "factcheck" else None, **fields}
    author = db.session.scalars(select(User).filter_by(name="eddie")).first()
    annotation = create_annotation(document, data, author)  # Eddie's own: he may change it
    db.session.commit()
    return annotation


def _revise(client, text, note="translation fix"):
    response = client.post("/editor/docs/council/text", data={
        "csrf_token": csrf_token(client, "/editor/docs/council/text"), "text": text, "note": note})
    assert response.status_code == 302
    db.session.expire_all()


def _text(response):
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def _reanchorings(annotation):
    return db.session.scalars(select(AnnotationRevision).where(
        AnnotationRevision.annotation_id == annotation.id,
        AnnotationRevision.action == "re-anchored").order_by(AnnotationRevision.id)).all()


def test_a_quoted_word_changed_by_a_revision_flags_the_note_and_is_in_its_history(
        app, editor_client, doc):
    fact_check = _note(doc, QUOTE)
    _revise(editor_client, REVISED)
    fact_check = db.session.get(Annotation, fact_check.id)
    assert fact_check.exact == QUOTE.replace("permanent", "standing")
    assert (fact_check.anchor_state, fact_check.needs_check) == ("fuzzy", True)
    [entry] = _reanchorings(fact_check)
    anchor = entry.snapshot["anchor"]
    assert (anchor["from"], anchor["to"], anchor["state"], anchor["revision"]) == (
        QUOTE, fact_check.exact, "fuzzy", 2)
    assert 0.75 <= anchor["score"] < 1
    assert entry.user.name == "eddie" and entry.version == fact_check.version
    history = _text(editor_client.get(f"/editor/annotations/{fact_check.id}/history"))
    assert "re-anchored onto changed words by revision 2 of the text by Eddie Editor" in history
    assert f"Words before {QUOTE}" in history and f"Words after {fact_check.exact}" in history
    assert f"State fuzzy, score {anchor['score']:.2f}" in history
    assert "Words changed: check" in history

    # editors see the badge and the Confirm button on the note; readers see neither
    page = editor_client.get("/docs/council").get_data(as_text=True)
    note_html = page[page.index(f'id="a-{fact_check.id}"'):]
    note_html = note_html[:note_html.index("</article>")]
    assert "Words changed: check" in note_html
    assert f'data-action="confirm" data-id="{fact_check.id}"' in note_html
    reader_page = app.test_client().get("/docs/council").get_data(as_text=True)
    assert f'id="a-{fact_check.id}"' in reader_page and "Words changed" not in reader_page

    # the desk lists it with the word that changed, and the navigation bar counts it
    desk = editor_client.get("/editor").get_data(as_text=True)
    assert "<del>permanent</del><ins>standing</ins>" in desk
    assert "To check after a text revision 1" in _text(editor_client.get("/editor"))
    assert 'title="To check after a text revision: 1"' in desk


def test_confirming_clears_the_flag_and_says_so_in_the_history(editor_client, doc):
    fact_check = _note(doc, QUOTE)
    _revise(editor_client, REVISED)
    version = db.session.get(Annotation, fact_check.id).version
    token = csrf_token(editor_client, "/docs/council")
    stale = editor_client.post(f"/editor/api/annotations/{fact_check.id}/confirm",
                               headers={"X-CSRFToken": token}, json={"version": version - 1})
    assert stale.status_code == 409
    response = editor_client.post(f"/editor/api/annotations/{fact_check.id}/confirm",
                                  headers={"X-CSRFToken": token}, json={"version": version})
    assert response.status_code == 200
    assert "Words changed" not in response.get_json()["notes_html"]
    db.session.expire_all()
    fact_check = db.session.get(Annotation, fact_check.id)
    assert not fact_check.needs_check and fact_check.exact.endswith("standing members of the "
                                                                    "Security Council")
    assert [r.action for r in fact_check.revisions][-2:] == ["re-anchored", "confirmed"]
    assert "new words confirmed by Eddie Editor" in _text(
        editor_client.get(f"/editor/annotations/{fact_check.id}/history"))
    desk = _text(editor_client.get("/editor"))
    assert "To check after a text revision 0" in desk
    assert "Eddie Editor confirmed the new words of a fact check on Council" in desk


def test_confirming_from_the_desk_is_a_form_with_its_token(editor_client, doc):
    fact_check = _note(doc, QUOTE)
    _revise(editor_client, REVISED)
    url = f"/editor/annotations/{fact_check.id}/confirm"
    assert editor_client.post(url, data={"next": "/editor"}).status_code == 400
    assert db.session.get(Annotation, fact_check.id).needs_check
    response = editor_client.post(url, data={"next": "/editor",
                                             "csrf_token": csrf_token(editor_client, "/editor")})
    assert response.status_code == 302 and response.headers["Location"].endswith("/editor")
    db.session.expire_all()
    assert not db.session.get(Annotation, fact_check.id).needs_check
    # a "next" off the site is not followed
    for foreign in ("https://evil.example/", "//evil.example/", "/\\evil.example/",
                    "/\tevil", "javascript:alert(1)"):
        response = editor_client.post(url, data={"next": foreign, "csrf_token": csrf_token(
            editor_client, "/editor")})
        assert response.headers["Location"].endswith(f"/docs/council#a-{fact_check.id}"), foreign


def test_reattaching_a_flagged_note_to_words_clears_the_flag(editor_client, doc):
    fact_check = _note(doc, QUOTE, kind="note")  # not reviewed: the new words apply at once
    _revise(editor_client, REVISED)
    annotation = db.session.get(Annotation, fact_check.id)
    words = "the standing members"
    start = REVISED.index(words)
    response = editor_client.put(f"/editor/api/annotations/{annotation.id}",
                                 headers={"X-CSRFToken": csrf_token(editor_client, "/docs/council")},
                                 json={"version": annotation.version, "start": start,
                                       "end": start + len(words), "exact": words})
    assert response.status_code == 200, response.get_json()
    db.session.expire_all()
    annotation = db.session.get(Annotation, fact_check.id)
    assert (annotation.exact, annotation.needs_check) == (words, False)


def test_editing_only_the_body_of_a_flagged_note_keeps_the_flag(editor_client, doc):
    fact_check = _note(doc, QUOTE)
    _revise(editor_client, REVISED)
    annotation = db.session.get(Annotation, fact_check.id)
    response = editor_client.put(f"/editor/api/annotations/{annotation.id}",
                                 headers={"X-CSRFToken": csrf_token(editor_client, "/docs/council")},
                                 json={"version": annotation.version, "body": "Reworded."})
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(Annotation, fact_check.id).needs_check


def test_an_orphan_is_flagged_until_reattached_and_cannot_be_confirmed(editor_client, doc):
    lost = _note(doc, "A paragraph about sanctions.", kind="note")
    _revise(editor_client, TEXT.replace("A paragraph about sanctions.", "Something else."))
    lost = db.session.get(Annotation, lost.id)
    assert lost.orphan and lost.needs_check
    [entry] = _reanchorings(lost)
    assert (entry.snapshot["anchor"]["to"], entry.snapshot["anchor"]["state"]) == (None,
                                                                                   "orphaned")
    assert "orphaned by revision 2 of the text" in _text(
        editor_client.get(f"/editor/annotations/{lost.id}/history"))
    desk = _text(editor_client.get("/editor"))
    assert "To check after a text revision 1" in desk
    assert "Its words are gone from revision 2: A paragraph about sanctions." in desk
    assert "Re-attach it on the page" in desk
    token = csrf_token(editor_client, "/docs/council")
    response = editor_client.post(f"/editor/api/annotations/{lost.id}/confirm",
                                  headers={"X-CSRFToken": token}, json={"version": lost.version})
    assert response.status_code == 422
    assert "re-attach it" in response.get_json()["detail"]
    words = "Something else."
    start = db.session.get(Annotation, lost.id).document.text.index(words)
    editor_client.put(f"/editor/api/annotations/{lost.id}", headers={"X-CSRFToken": token},
                      json={"version": lost.version, "start": start, "end": start + len(words),
                            "exact": words})
    db.session.expire_all()
    lost = db.session.get(Annotation, lost.id)
    assert not lost.orphan and not lost.needs_check


def test_notes_whose_words_did_not_change_are_neither_flagged_nor_given_an_entry(
        editor_client, doc):
    kept = _note(doc, "the outlines were considered", kind="note")
    _revise(editor_client, "An added paragraph.\n\n" + TEXT)
    kept = db.session.get(Annotation, kept.id)
    assert kept.anchor_state == "moved" and not kept.needs_check
    assert _reanchorings(kept) == []


def test_a_flag_stays_through_a_later_revision_that_leaves_the_words_alone(editor_client, doc):
    fact_check = _note(doc, QUOTE)
    _revise(editor_client, REVISED)
    _revise(editor_client, REVISED + "\nA last line.\n")
    fact_check = db.session.get(Annotation, fact_check.id)
    assert fact_check.anchor_state == "unchanged" and fact_check.needs_check
    assert len(_reanchorings(fact_check)) == 1


def test_a_cli_reimport_flags_notes_too(app, runner, tmp_path):
    path = tmp_path / "council.txt"
    path.write_text(TEXT, encoding="utf-8")
    assert runner.invoke(args=["docs", "import", str(path)]).exit_code == 0
    document = db.session.scalars(select(Document)).one()
    fact_check = _note(document, QUOTE)
    path.write_text(REVISED, encoding="utf-8")
    assert runner.invoke(args=["docs", "import", str(path)]).exit_code == 0
    db.session.expire_all()
    fact_check = db.session.get(Annotation, fact_check.id)
    assert fact_check.needs_check
    [entry] = _reanchorings(fact_check)
    assert entry.user_id is None and entry.snapshot["anchor"]["from"] == QUOTE


def test_revising_many_notes_flags_them_in_one_pass(app):
    """Each flagged note gets its entry without its history being loaded (no query per note)."""
    paragraphs = [f"Paragraph {i} says the permanent members met." for i in range(200)]
    document = create_document("Many\n\n" + "\n\n".join(paragraphs), {"title": "Many"})
    for i in range(200):
        words = f"Paragraph {i} says the permanent members met."
        start = document.text.index(words)
        create_annotation(document, {"kind": "note", "body": "x", "start": start,
                                     "end": start + len(words), "exact": words})
    db.session.commit()
    with sql_statements() as statements:
        landed = revise_text(document, document.text.replace("permanent", "standing"))
        db.session.commit()
    assert landed == {"fuzzy": 200}
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) < 10, reads
    assert len(db.session.scalars(select(AnnotationRevision).where(
        AnnotationRevision.action == "re-anchored")).all()) == 200
