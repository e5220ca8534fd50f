"""Review before publishing, over HTTP: who may publish a fact check, when readers see it,
and what readers see while a change to a published one waits for its approval."""

import json
import re

import pytest
from sqlalchemy import select

from reader.extensions import db
from reader.models import Annotation
from reader.services.documents import create_document
from reader.services.review import awaiting_review, changes_requested, submitted_by
from reader.services.users import issue_token
from tests.conftest import csrf_token, login

TEXT = ("A title\n\nThe spokesman said the alliance was a permanent threat to the region.\n"
        "Officials called the talks constructive.\n")
DOC = "http://localhost/docs/a-title"


@pytest.fixture
def doc(app):
    document = create_document(TEXT, {"title": "A title"})
    db.session.commit()
    return document


def _bearer(user):
    token = issue_token(user, "tests")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def _check(exact="a permanent threat", body="No source says so.", verdict="false", **extra):
    start = TEXT.index(exact)
    return {"@context": "http://www.w3.org/ns/anno.jsonld", "type": "Annotation",
            "motivation": "assessing", "ar:verdict": verdict,
            "body": {"type": "TextualBody", "value": body, "format": "text/markdown"},
            "target": {"source": DOC, "selector": [
                {"type": "TextQuoteSelector", "exact": exact},
                {"type": "TextPositionSelector", "start": start, "end": start + len(exact)}]},
            **extra}


def _post(client, auth, data):
    return client.post("/annotations/", json=data, headers=auth)


def _approve(client, auth, location, **body):
    return client.post(f"{location}/approval", json=body or None, headers=auth)


def _reader_sees(client, words):
    """Where a reader could find ``words``: the page, the JSON, the container, search."""
    page = client.get("/docs/a-title").get_data(as_text=True)
    collection = json.dumps(client.get("/docs/a-title/annotations.json").get_json())
    container = json.dumps(client.get("/annotations/").get_json())
    search = client.get(f"/search?q={words}").get_data(as_text=True)
    notes = search.split('id="in-notes"')[1] if 'id="in-notes"' in search else ""
    found = re.sub(r"<[^>]+>", "", notes)  # the notes found, as text
    return {"page": words in page, "json": words in collection, "container": words in container,
            "search": words in found}


def test_publishing_a_fact_check_without_approval_answers_409(client, doc, token):
    response = _post(client, {"Authorization": f"Bearer {token}"},
                     _check(**{"ar:status": "published"}))
    assert response.status_code == 409
    assert response.get_json()["error"] == "review required"
    assert db.session.scalars(select(Annotation)).first() is None


def test_a_fact_check_posted_without_a_status_awaits_review_and_a_note_is_published(
        client, doc, token):
    auth = {"Authorization": f"Bearer {token}"}
    check = _post(client, auth, _check())
    assert check.status_code == 201 and check.get_json()["ar:status"] == "review"
    note = _post(client, auth, {**_check(exact="the talks"), "motivation": "commenting"})
    assert note.get_json()["ar:status"] == "published"
    assert client.get(check.headers["Location"]).status_code == 404  # readers: not yet
    assert client.get(note.headers["Location"]).status_code == 200


def test_another_editor_approves_and_readers_see_it(client, doc, editor, frank):
    location = _post(client, _bearer(editor), _check()).headers["Location"]
    assert _reader_sees(client, "No source says so")["page"] is False
    response = _approve(client, _bearer(frank), location)
    assert response.status_code == 201
    assert response.get_json()["ar:status"] == "published"
    assert _reader_sees(client, "No source says so") == {
        "page": True, "json": True, "container": True, "search": True}
    stored = db.session.scalars(select(Annotation)).one()
    assert [(r.action, r.user.name) for r in stored.revisions] == [
        ("created", "eddie"), ("approved", "frank")]


def test_nobody_approves_their_own_change_not_even_an_admin(client, doc, editor, admin):
    location = _post(client, _bearer(editor), _check()).headers["Location"]
    assert _approve(client, _bearer(editor), location).status_code == 403
    own = _post(client, _bearer(admin), _check(exact="the talks")).headers["Location"]
    assert _approve(client, _bearer(admin), own).status_code == 403
    assert _approve(client, _bearer(editor), own).status_code == 201


def test_an_editor_who_changed_the_words_cannot_approve_them(client, doc, editor, frank, admin):
    location = _post(client, _bearer(editor), _check()).headers["Location"]
    current = client.get(location, headers=_bearer(frank))
    edited = _check(body="No source says so: the minister's words differ.")
    response = client.put(location, json=edited, headers={
        **_bearer(frank), "If-Match": current.headers["ETag"]})
    assert response.status_code == 200 and response.get_json()["ar:status"] == "review"
    assert _approve(client, _bearer(frank), location).status_code == 403  # he wrote some of it
    assert _approve(client, _bearer(editor), location).status_code == 403
    assert _approve(client, _bearer(admin), location).status_code == 201


def test_changes_requested_send_it_back_to_draft_with_the_comment(client, doc, editor, frank):
    location = _post(client, _bearer(editor), _check()).headers["Location"]
    assert _approve(client, _bearer(frank), location, decision="changes",
                    comment="").status_code == 422
    response = _approve(client, _bearer(frank), location, decision="changes",
                        comment="Which source? Link the transcript.")
    assert response.status_code == 201 and response.get_json()["ar:status"] == "draft"
    stored = db.session.scalars(select(Annotation).filter_by(kind="factcheck")).one()
    last = stored.revisions[-1]
    assert (last.action, last.comment, last.user.name) == (
        "changes requested", "Which source? Link the transcript.", "frank")
    [reply] = db.session.scalars(select(Annotation).filter_by(kind="reply")).all()
    assert (reply.reply_to_id, reply.body) == (stored.id, "Which source? Link the transcript.")
    assert [a.id for a in changes_requested(editor)] == [stored.id]
    assert changes_requested(frank) == []
    # nothing awaits review now: approving answers 409
    assert _approve(client, _bearer(frank), location).status_code == 409


def test_a_change_to_a_published_fact_check_stays_invisible_until_approved(
        client, runner, doc, editor, frank):
    location = _post(client, _bearer(editor), _check()).headers["Location"]
    _approve(client, _bearer(frank), location)
    current = client.get(location, headers=_bearer(editor))
    changed = _check(body="Revised: the alliance denies it outright.", verdict="misleading",
                     exact="permanent threat")
    response = client.put(location, json=changed, headers={
        **_bearer(editor), "If-Match": current.headers["ETag"]})
    assert response.status_code == 200
    assert response.get_json()["ar:verdict"] == "false"  # the published version
    assert response.get_json()["ar:pending"]["ar:verdict"] == "misleading"
    assert response.get_json()["ar:pending"]["ar:status"] == "review"

    assert _reader_sees(client, "No source says so") == {
        "page": True, "json": True, "container": True, "search": True}
    assert not any(_reader_sees(client, "Revised: the alliance denies").values())
    reader_json = client.get(location).get_json()
    assert "ar:pending" not in reader_json and reader_json["ar:verdict"] == "false"
    assert reader_json["target"]["selector"][0]["exact"] == "a permanent threat"
    review = client.get("/docs/a-title/claimreview.json").get_json()["@graph"][0]
    assert review["reviewRating"]["alternateName"] == "False"
    assert "False" in client.get("/stats").get_data(as_text=True)
    assert "Misleading" not in client.get("/stats").get_data(as_text=True)
    exported = runner.invoke(args=["annotations", "export"]).output
    assert "No source says so" in exported and "Revised" not in exported
    assert "Revised" not in client.get("/docs/a-title").get_data(as_text=True)
    assert [a.id for a in awaiting_review(frank)] == [int(location.rsplit("/", 1)[1])]
    assert awaiting_review(editor) == [] and len(submitted_by(editor)) == 1

    assert _approve(client, _bearer(editor), location).status_code == 403
    assert _approve(client, _bearer(frank), location).status_code == 201
    assert _reader_sees(client, "Revised: the alliance denies") == {
        "page": True, "json": True, "container": True, "search": True}
    assert not _reader_sees(client, "No source says so")["page"]
    stored = db.session.scalars(select(Annotation)).one()
    assert (stored.exact, stored.verdict, stored.pending) == ("permanent threat", "misleading",
                                                              None)
    assert [r.action for r in stored.revisions] == [
        "created", "approved", "change proposed", "approved"]


def test_approval_of_a_version_the_reviewer_did_not_read_answers_412(client, doc, editor, frank):
    location = _post(client, _bearer(editor), _check()).headers["Location"]
    seen = client.get(location, headers=_bearer(frank)).headers["ETag"]
    client.put(location, json=_check(body="Changed after frank looked."),
               headers={**_bearer(editor), "If-Match": seen})
    response = client.post(f"{location}/approval", headers={**_bearer(frank), "If-Match": seen})
    assert response.status_code == 412
    assert db.session.scalars(select(Annotation)).one().status == "review"


def test_an_admin_override_publishes_and_the_reason_is_in_the_history(
        client, doc, editor, admin):
    location = _post(client, _bearer(editor), _check()).headers["Location"]
    assert _approve(client, _bearer(editor), location, decision="override",
                    reason="urgent").status_code == 403
    assert _approve(client, _bearer(admin), location, decision="override").status_code == 422
    response = _approve(client, _bearer(admin), location, decision="override",
                        reason="Breaking news; the second editor is away.")
    assert response.status_code == 201 and response.get_json()["ar:status"] == "published"
    stored = db.session.scalars(select(Annotation)).one()
    assert (stored.revisions[-1].action, stored.revisions[-1].comment) == (
        "override", "Breaking news; the second editor is away.")
    login(client, "ada")
    history = client.get(f"/editor/annotations/{stored.id}/history").get_data(as_text=True)
    assert "without review (admin override)" in history
    assert "Breaking news; the second editor is away." in history


def test_other_kinds_publish_directly_and_the_setting_names_the_reviewed_kinds(
        client, doc, editor, make_app):
    auth = _bearer(editor)
    note = {**_check(exact="the talks"), "motivation": "commenting", "ar:status": "published"}
    assert _post(client, auth, note).status_code == 201
    strict = make_app(REVIEW_KINDS=["note", "factcheck"]).test_client()
    second = {**note, "target": {**note["target"], "selector": [
        {"type": "TextQuoteSelector", "exact": "Officials"}]}}
    assert _post(strict, auth, second).status_code == 409
    relaxed = make_app(REVIEW_KINDS=[]).test_client()
    assert _post(relaxed, auth, _check(**{"ar:status": "published"})).status_code == 201


def test_an_unknown_kind_in_the_setting_stops_the_app(make_app):
    with pytest.raises(ValueError, match="unknown kinds: opinion"):
        make_app(REVIEW_KINDS=["opinion"])


def test_cli_import_keeps_statuses_as_given(runner, doc, tmp_path):
    items = [_check(**{"ar:status": "published"}),
             _check(exact="the talks", body="Constructive for whom?", **{"ar:status": "review"})]
    path = tmp_path / "in.jsonld"
    path.write_text(json.dumps(items))
    result = runner.invoke(args=["annotations", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert sorted(db.session.scalars(select(Annotation.status))) == ["published", "review"]


# --- the editor's page: the same rules through its JSON calls ----------------------------

def _editor_call(client, path, data):
    return client.post(path, json=data, headers={"X-CSRFToken": csrf_token(client, "/docs/a-title")})


def test_the_editors_page_submits_requests_changes_and_approves(app, doc, editor, frank):
    eddie, other = app.test_client(), app.test_client()
    login(eddie)
    login(other, "frank")
    start = TEXT.index("permanent")
    created = _editor_call(eddie, "/editor/api/docs/a-title/annotations", {
        "kind": "factcheck", "verdict": "false", "body": "No source.", "status": "published",
        "start": start, "end": start + 9, "exact": "permanent"})
    assert created.status_code == 409 and created.get_json()["error"] == "review required"
    created = _editor_call(eddie, "/editor/api/docs/a-title/annotations", {
        "kind": "factcheck", "verdict": "false", "body": "No source.", "status": "draft",
        "start": start, "end": start + 9, "exact": "permanent"})
    note = created.get_json()["annotation"]
    assert "Submit for review" in created.get_json()["notes_html"]
    publish = _editor_call(eddie, f"/editor/api/annotations/{note['id']}/publish",
                           {"version": note["version"]})
    assert publish.status_code == 409 and publish.get_json()["error"] == "review required"
    submitted = _editor_call(eddie, f"/editor/api/annotations/{note['id']}/submit",
                             {"version": note["version"]}).get_json()
    assert "Another editor reviews your change." in submitted["notes_html"]
    version = submitted["annotation"]["version"]
    own = _editor_call(eddie, f"/editor/api/annotations/{note['id']}/approve", {"version": version})
    assert own.status_code == 403
    page = other.get("/docs/a-title").get_data(as_text=True)
    assert 'data-action="approve"' in page and 'data-action="changes"' in page
    sent_back = _editor_call(other, f"/editor/api/annotations/{note['id']}/changes",
                             {"version": version, "comment": "Cite the @eddie transcript."})
    assert sent_back.status_code == 200
    assert "Changes requested" in sent_back.get_json()["notes_html"]
    assert "Cite the @eddie transcript." in sent_back.get_json()["notes_html"]
    version = sent_back.get_json()["annotation"]["version"]
    resubmitted = _editor_call(eddie, f"/editor/api/annotations/{note['id']}/submit",
                               {"version": version}).get_json()
    approved = _editor_call(other, f"/editor/api/annotations/{note['id']}/approve",
                            {"version": resubmitted["annotation"]["version"]})
    assert approved.status_code == 200
    assert db.session.get(Annotation, note["id"]).status == "published"


def test_the_editor_sees_the_pending_change_beside_the_published_words(app, doc, editor, frank):
    eddie, other = app.test_client(), app.test_client()
    login(eddie)
    login(other, "frank")
    start = TEXT.index("permanent")
    note = _editor_call(eddie, "/editor/api/docs/a-title/annotations", {
        "kind": "factcheck", "verdict": "false", "body": "Published evidence.",
        "status": "review", "start": start, "end": start + 9, "exact": "permanent"}
    ).get_json()["annotation"]
    version = _editor_call(other, f"/editor/api/annotations/{note['id']}/approve",
                           {"version": note["version"]}).get_json()["annotation"]["version"]
    saved = eddie.put(f"/editor/api/annotations/{note['id']}", json={
        "version": version, "kind": "factcheck", "verdict": "misleading",
        "body": "Proposed evidence.", "status": "draft"},
        headers={"X-CSRFToken": csrf_token(eddie, "/docs/a-title")})
    assert saved.status_code == 200
    fields = saved.get_json()["annotation"]
    assert (fields["body"], fields["review_state"], fields["pending"]) == (
        "Proposed evidence.", "draft", True)
    html = other.get("/docs/a-title").get_data(as_text=True)
    assert "Published evidence." in html and "Proposed evidence." in html
    assert "Proposed change: text, verdict" in html and "Change in draft" in html
    reader = app.test_client().get("/docs/a-title").get_data(as_text=True)
    assert "Published evidence." in reader and "Proposed" not in reader
    assert db.session.get(Annotation, note["id"]).status == "published"


def test_a_pending_change_leaves_only_with_drafts_and_comes_back_on_import(
        client, runner, doc, editor, frank, tmp_path):
    location = _post(client, _bearer(editor), _check()).headers["Location"]
    _approve(client, _bearer(frank), location)
    etag = client.get(location, headers=_bearer(editor)).headers["ETag"]
    client.put(location, json=_check(body="Pending words.", verdict="unsupported",
                                     **{"ar:status": "draft"}),
               headers={**_bearer(editor), "If-Match": etag})
    assert "Pending words." not in runner.invoke(args=["annotations", "export"]).output
    path = tmp_path / "all.jsonld"
    runner.invoke(args=["annotations", "export", "--include-drafts", "-o", str(path)])
    [item] = json.loads(path.read_text())["first"]["items"]
    assert item["ar:pending"]["ar:status"] == "draft"
    stored = db.session.scalars(select(Annotation)).one()
    before = (stored.body, stored.verdict, stored.pending, stored.pending_status)
    db.session.delete(stored)
    db.session.commit()
    result = runner.invoke(args=["annotations", "import", str(path)])
    assert result.exit_code == 0, result.output
    again = db.session.scalars(select(Annotation)).one()
    assert (again.body, again.verdict, again.pending, again.pending_status) == before
    assert before[2] == {"body": "Pending words.", "verdict": "unsupported"}
