"""The desk's review sections: changes awaiting my review, my notes sent back, comments that
mention me; my drafts hold notes awaiting review but never comments; counts and paging."""

import re
from html import unescape

import pytest
from sqlalchemy import insert, select

from reader.extensions import db
from reader.models import Annotation
from reader.services.desk import SECTIONS
from reader.services.documents import create_document
from tests.conftest import csrf_token, login

TEXT = "Talks\n\nThe minister said the talks were constructive.\n"


@pytest.fixture
def doc(app):
    document = create_document(TEXT, {"title": "Talks"})
    db.session.commit()
    return document


def _text(response):
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def _section(html_text, title):
    """The text of one section of the desk, from its title to the next section."""
    start = html_text.index(title)
    ends = [html_text.find(s.title, start + len(title)) for s in SECTIONS if s.title != title]
    ends = [e for e in ends if e > start]
    return html_text[start:min(ends) if ends else None]


def _post(client, url, **body):
    return client.post(url, headers={"X-CSRFToken": csrf_token(client, "/docs/talks")}, json=body)


def _fact_check(client, body="The talks had stalled."):
    start = TEXT.index("the talks")
    created = _post(client, "/editor/api/docs/talks/annotations", kind="factcheck",
                    verdict="misleading", body=body, start=start, end=start + 9,
                    exact="the talks")
    assert created.status_code == 201, created.get_json()
    return created.get_json()["annotation"]["id"]


def _frank_client(app):
    client = app.test_client()
    assert login(client, "frank").status_code == 302
    return client


def test_a_submitted_note_waits_on_the_reviewers_desk_not_its_authors(
        app, editor_client, editor, frank, doc):
    note_id = _fact_check(editor_client)
    assert _post(editor_client, f"/editor/api/annotations/{note_id}/submit",
                 version=1).status_code == 200
    reviewer = _frank_client(app)

    desk = _text(reviewer.get("/editor"))
    assert "Talks" in _section(desk, "Awaiting my review")
    assert "The talks had stalled" not in _section(desk, "My drafts")
    assert re.search(r'class="nav-count" title="Awaiting my review: 1"',
                     reviewer.get("/").get_data(as_text=True))

    mine = _text(editor_client.get("/editor"))
    assert "No change waits for your review." in _section(mine, "Awaiting my review")
    drafts = _section(mine, "My drafts")
    assert "Awaiting review" in drafts and "Talks" in drafts


def test_a_note_sent_back_is_on_its_authors_desk_under_changes_requested(
        app, editor_client, editor, frank, doc):
    note_id = _fact_check(editor_client)
    _post(editor_client, f"/editor/api/annotations/{note_id}/submit", version=1)
    reviewer = _frank_client(app)
    sent = _post(reviewer, f"/editor/api/annotations/{note_id}/changes", version=2,
                 comment="Say which talks.")
    assert sent.status_code == 200, sent.get_json()

    mine = _text(editor_client.get("/editor"))
    requested = _section(mine, "Changes requested")
    assert "Talks" in requested and "Changes requested" in requested
    assert "Changes requested: 1" in editor_client.get("/").get_data(as_text=True)
    assert "No change waits for your review." in _section(_text(reviewer.get("/editor")),
                                                           "Awaiting my review")
    assert "Talks" not in _section(_text(reviewer.get("/editor")), "Changes requested")

    _post(editor_client, f"/editor/api/annotations/{note_id}/submit", version=3)
    assert "No note of yours was sent back." in _section(_text(editor_client.get("/editor")),
                                                         "Changes requested")


def test_a_comment_mentioning_me_is_on_my_desk_and_never_among_drafts(
        app, editor_client, editor, frank, doc):
    note_id = _fact_check(editor_client)
    posted = _post(editor_client, f"/editor/api/annotations/{note_id}/comments",
                   body="@frank is *misleading* right?")
    assert posted.status_code == 201, posted.get_json()
    comment_id = db.session.scalars(select(Annotation.id).where(
        Annotation.reply_to_id == note_id)).one()

    reviewer = _frank_client(app)
    response = reviewer.get("/editor")
    mentions = _section(_text(response), "Mentions of me")
    assert "Eddie Editor mentioned you on Talks" in mentions
    assert "@frank is *misleading* right?" in mentions
    assert f'href="/docs/talks#c-{comment_id}"' in response.get_data(as_text=True)

    mine = _text(editor_client.get("/editor"))
    assert "No comment mentions you." in _section(mine, "Mentions of me")
    drafts = _section(mine, "My drafts")
    assert "misleading* right" not in drafts  # the comment is not a draft
    assert f'id="desk-note-{note_id}"' in editor_client.get("/editor").get_data(as_text=True)
    assert f'id="desk-note-{comment_id}"' not in editor_client.get("/editor/desk/my-drafts") \
        .get_data(as_text=True)


def test_the_review_section_is_counted_and_paged_in_sql(app, editor, frank, doc):
    db.session.execute(insert(Annotation), [
        {"document_id": doc.id, "kind": "factcheck", "verdict": "accurate", "body": f"Check {i}",
         "status": "review", "creator_id": editor.id, "change_authors": [editor.id], "tags": []}
        for i in range(30)])
    db.session.commit()
    reviewer = _frank_client(app)
    first = _text(reviewer.get("/editor/desk/awaiting-my-review"))
    assert first.count("Awaiting review") == 25
    second = reviewer.get("/editor/desk/awaiting-my-review?page=2")
    assert _text(second).count("Awaiting review") == 5
    assert "Awaiting my review: 30" in reviewer.get("/").get_data(as_text=True)
    assert reviewer.get("/editor/desk/awaiting-my-review?page=3").status_code == 404
