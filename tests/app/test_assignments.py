"""Assignments: ask an editor to annotate a document or review a note; reassign, unassign, done."""

import re
from html import unescape

import pytest
from sqlalchemy import select

from reader.extensions import db
from reader.models import Annotation, Assignment, Document
from reader.services.annotations import create_annotation
from reader.services.documents import create_document
from reader.services.users import add_user
from tests.conftest import PASSWORD, csrf_token, login

TEXT = "Talks\n\nThe minister said the talks were constructive.\n"


@pytest.fixture
def doc(app):
    document = create_document(TEXT, {"title": "Talks"})
    db.session.commit()
    return document


@pytest.fixture
def note(doc, editor):
    start = TEXT.index("the talks")
    annotation = create_annotation(doc, {"kind": "note", "body": "Which talks?", "status": "published",
                                         "start": start, "end": start + 9, "exact": "the talks"},
                                   editor)
    db.session.commit()
    return annotation


def _client_for(app, name):
    client = app.test_client()
    assert login(client, name).status_code == 302
    return client


def _assign(client, url, assignee, message="", next_url=""):
    return client.post(url, data={"csrf_token": csrf_token(client, url), "assignee": assignee,
                                  "message": message, "next": next_url})


def _act(client, assignment_id, action, **fields):
    return client.post(f"/editor/assignments/{assignment_id}/{action}", data={
        "csrf_token": csrf_token(client, "/editor"), **fields})


def _assignments():
    db.session.expire_all()
    return db.session.scalars(select(Assignment).order_by(Assignment.id)).all()


def _text(response):
    html = response.get_data(as_text=True)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_an_editor_asks_another_to_review_a_note_and_it_is_on_their_desk(
        app, editor_client, frank, note):
    response = _assign(editor_client, f"/editor/annotations/{note.id}/assignments", "frank",
                       "Check the date of the talks.")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/docs/talks#a-{note.id}")
    [assignment] = _assignments()
    assert (assignment.annotation_id, assignment.document_id, assignment.task) == (note.id, None,
                                                                                    "review")
    assert (assignment.assignee.name, assignment.assigned_by.name) == ("frank", "eddie")
    assert assignment.message == "Check the date of the talks." and assignment.is_open
    # the note says who is asked, to editors only
    assert "Review asked of Frank Factchecker" in _text(editor_client.get("/docs/talks"))
    assert "Review asked of" not in _text(app.test_client().get("/docs/talks"))
    desk = _text(_client_for(app, "frank").get("/editor"))
    assert "Assigned to me 1" in desk
    assert "Check the date of the talks." in desk and "from Eddie Editor" in desk


def test_an_editor_asks_another_to_annotate_a_document_from_its_page(editor_client, frank, doc):
    page = editor_client.get("/docs/talks").get_data(as_text=True)
    assert 'action="/editor/docs/talks/assignments"' in page  # the form is on the page
    response = _assign(editor_client, "/editor/docs/talks/assignments", "frank",
                       "Annotate the minister's claims.", next_url="/docs/talks")
    assert response.status_code == 302 and response.headers["Location"].endswith("/docs/talks")
    [assignment] = _assignments()
    assert (assignment.document_id, assignment.task) == (doc.id, "annotate")
    page = _text(editor_client.get("/docs/talks"))
    assert "Assignments 1 open" in page and "Frank Factchecker is asked to annotate" in page


@pytest.mark.parametrize("assignee, message", [
    ("nobody", "there is no editor called 'nobody'"),
    ("gone", "Gone Editor's account is disabled: it cannot take assignments"),
    ("", "choose the editor to assign it to"),
])
def test_assigning_to_an_unknown_or_disabled_editor_is_refused_with_a_message(
        editor_client, note, assignee, message):
    gone = add_user("gone", PASSWORD, "editor", "Gone Editor")
    gone.disabled = True
    db.session.commit()
    response = _assign(editor_client, f"/editor/annotations/{note.id}/assignments", assignee,
                       "Please look at this.")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in _text(response)
    assert "Please look at this." in html  # the message typed is kept
    assert '<option value="gone"' not in html  # disabled accounts are not offered
    assert _assignments() == []


def test_the_same_open_assignment_twice_is_refused(editor_client, frank, note):
    url = f"/editor/annotations/{note.id}/assignments"
    assert _assign(editor_client, url, "frank").status_code == 302
    response = _assign(editor_client, url, "frank")
    assert "it is already assigned to Frank Factchecker" in _text(response)
    assert len(_assignments()) == 1


def test_a_message_too_long_or_a_deleted_note_is_refused(editor_client, frank, note):
    url = f"/editor/annotations/{note.id}/assignments"
    assert "at most 2,000 characters" in _text(_assign(editor_client, url, "frank", "x" * 2001))
    note.deleted_at = note.modified_at
    db.session.commit()
    assert "the note is deleted: restore it first" in _text(_assign(editor_client, url, "frank"))
    assert _assignments() == []


def test_the_assignee_marks_it_done_and_it_leaves_their_desk(app, editor_client, frank, note):
    _assign(editor_client, f"/editor/annotations/{note.id}/assignments", "frank", "Look")
    [assignment] = _assignments()
    frank_client = _client_for(app, "frank")
    response = _act(frank_client, assignment.id, "done", next="/editor")
    assert response.status_code == 302 and response.headers["Location"].endswith("/editor")
    [assignment] = _assignments()
    assert assignment.done_at is not None and assignment.closed_by.name == "frank"
    desk = _text(frank_client.get("/editor"))
    assert "Assigned to me 0" in desk and "Nothing is assigned to you." in desk
    assert "Frank Factchecker marked done: review an editorial note on Talks" in desk
    # done again: refused, nothing changes
    again = _act(frank_client, assignment.id, "done")
    assert again.status_code == 302
    assert "this assignment is closed already" in _text(frank_client.get(again.headers["Location"]))


def test_unassigning_closes_it_without_it_being_done(editor_client, frank, note):
    _assign(editor_client, f"/editor/annotations/{note.id}/assignments", "frank")
    [assignment] = _assignments()
    assert _act(editor_client, assignment.id, "unassign").status_code == 302
    [assignment] = _assignments()
    assert assignment.cancelled_at is not None and assignment.done_at is None
    page = _text(editor_client.get(f"/editor/annotations/{note.id}/assignments"))
    assert "Nobody is asked to review this note" in page
    assert "unassigned by Eddie Editor" in page  # kept in the note's assignments, closed


def test_reassigning_hands_it_to_another_editor_with_the_message(app, editor_client, frank, note):
    add_user("gina", PASSWORD, "editor", "Gina")
    db.session.commit()
    _assign(editor_client, f"/editor/annotations/{note.id}/assignments", "frank", "Check dates")
    [first] = _assignments()
    response = _act(_client_for(app, "frank"), first.id, "reassign", assignee="gina", message="")
    assert response.status_code == 302
    first, second = _assignments()
    assert first.cancelled_at is not None and first.closed_by.name == "frank"
    assert (second.assignee.name, second.message, second.replaces_id) == ("gina", "Check dates",
                                                                          first.id)
    assert second.assigned_by.name == "frank" and second.is_open
    desk = _text(_client_for(app, "gina").get("/editor"))
    assert "Assigned to me 1" in desk and "Check dates" in desk
    # one event in the feed, not an unassignment and an assignment
    assert "Frank Factchecker handed to Gina: review an editorial note on Talks" in desk
    assert "took back" not in desk


def test_reassigning_to_a_disabled_editor_changes_nothing(app, editor_client, frank, note):
    gone = add_user("gone", PASSWORD, "editor", "Gone Editor")
    gone.disabled = True
    db.session.commit()
    _assign(editor_client, f"/editor/annotations/{note.id}/assignments", "frank")
    [assignment] = _assignments()
    response = _act(editor_client, assignment.id, "reassign", assignee="gone")
    assert "account is disabled" in _text(editor_client.get(response.headers["Location"]))
    [assignment] = _assignments()
    assert assignment.is_open and assignment.assignee.name == "frank"


def test_only_the_assignee_the_assigner_or_an_admin_may_change_an_assignment(
        app, editor_client, frank, admin, note):
    add_user("gina", PASSWORD, "editor", "Gina")
    db.session.commit()
    _assign(editor_client, f"/editor/annotations/{note.id}/assignments", "frank")
    [assignment] = _assignments()
    gina = _client_for(app, "gina")
    for action, fields in (("done", {}), ("unassign", {}), ("reassign", {"assignee": "gina"})):
        assert _act(gina, assignment.id, action, **fields).status_code == 403
    assert _assignments()[0].is_open
    # another editor sees it, without the buttons
    page = gina.get(f"/editor/annotations/{note.id}/assignments").get_data(as_text=True)
    assert f"/editor/assignments/{assignment.id}/done" not in page
    assert _act(_client_for(app, "ada"), assignment.id, "done").status_code == 302
    assert _assignments()[0].done_at is not None


def test_assignment_forms_need_their_csrf_token(editor_client, frank, note):
    response = editor_client.post(f"/editor/annotations/{note.id}/assignments",
                                  data={"assignee": "frank"})
    assert response.status_code == 400
    _assign(editor_client, f"/editor/annotations/{note.id}/assignments", "frank")
    [assignment] = _assignments()
    assert editor_client.post(f"/editor/assignments/{assignment.id}/done").status_code == 400
    assert _assignments()[0].is_open


def test_readers_cannot_assign_or_see_assignments(client, frank, note):
    assert client.post(f"/editor/annotations/{note.id}/assignments",
                       data={"assignee": "frank"}).status_code == 401
    assert client.get("/editor").status_code == 302
    page = client.get("/docs/talks").get_data(as_text=True)
    assert "Assignments" not in page and "/editor/annotations" not in page


def test_a_message_is_shown_as_text_never_as_html(app, editor_client, frank, note):
    _assign(editor_client, f"/editor/annotations/{note.id}/assignments", "frank",
            '<img src=x onerror="alert(1)"> **bold**')
    for page in (_client_for(app, "frank").get("/editor"),
                 editor_client.get(f"/editor/annotations/{note.id}/assignments")):
        html = page.get_data(as_text=True)
        assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt; **bold**" in html
        assert "<img src=x" not in html


def test_a_missing_assignment_or_target_is_404(editor_client, note):
    assert editor_client.get("/editor/annotations/999/assignments").status_code == 404
    assert editor_client.get("/editor/docs/nothing/assignments").status_code == 404
    response = editor_client.post("/editor/assignments/999/done",
                                  data={"csrf_token": csrf_token(editor_client, "/editor")})
    assert response.status_code == 404


def test_deleting_a_document_deletes_its_assignments(editor_client, frank, doc, note):
    _assign(editor_client, "/editor/docs/talks/assignments", "frank")
    _assign(editor_client, f"/editor/annotations/{note.id}/assignments", "frank")
    assert len(_assignments()) == 2
    db.session.delete(db.session.get(Document, doc.id))
    db.session.commit()
    assert _assignments() == [] and db.session.scalars(select(Annotation)).all() == []
