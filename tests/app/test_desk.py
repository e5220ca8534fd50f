"""The desk at /editor: each section's contents, paging, the counts in the navigation bar,
unlinked passages from the cached matching, the activity feed; bounded work."""

import re
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from sqlalchemy import event, func, insert, select, update

from reader.extensions import db
from reader.models import Annotation, AnnotationRevision, Document, Source
from reader.services import desk, related
from reader.services.annotations import create_annotation, delete_annotation
from reader.services.assignments import assign
from reader.services.desk import ACTIVITY_LIMIT, SECTIONS, find_section
from reader.services.documents import create_document
from reader.services.sources import create_source
from reader.services.users import add_user
from tests.conftest import (
    PASSWORD, csrf_token, get_statements, login, sql_statements, using_postgres,
)

TEXT = "Talks\n\nThe minister said the talks were constructive.\n"


@pytest.fixture
def doc(app):
    document = create_document(TEXT, {"title": "Talks"})
    db.session.commit()
    return document


def _text(response):
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def _draft(document, user, body="A draft", status="draft"):
    return create_annotation(document, {"kind": "note", "body": body, "status": status}, user)


def _insert_drafts(document, user, n):
    """``n`` draft notes on the whole document, inserted in one statement."""
    db.session.execute(insert(Annotation), [
        {"document_id": document.id, "kind": "note", "body": f"Draft {i}", "status": "draft",
         "creator_id": user.id, "tags": []} for i in range(n)])
    db.session.commit()


def _section(html_text, title):
    """The text of one section of the desk, from its title to the next section."""
    titles = [s.title for s in SECTIONS]
    start = html_text.index(title)
    ends = [html_text.find(t, start + len(title)) for t in titles if t != title]
    ends = [e for e in ends if e > start]
    return html_text[start:min(ends) if ends else None]


def test_the_desk_shows_my_drafts_and_not_published_notes_or_other_editors_drafts(
        app, editor_client, editor, doc):
    frank = add_user("frank", PASSWORD, "editor", "Frank")
    _draft(doc, editor, "My own draft")
    _draft(doc, editor, "Published already", status="published")
    _draft(doc, frank, "Frank's draft")
    deleted = _draft(doc, editor, "Deleted draft")
    deleted.deleted_at = deleted.modified_at
    db.session.commit()
    drafts = _section(_text(editor_client.get("/editor")), "My drafts")
    assert drafts.startswith("My drafts 1")
    assert "My own draft" in drafts or "Talks" in drafts
    for absent in ("Published already", "Frank's draft", "Deleted draft"):
        assert absent not in drafts


def test_the_desk_needs_a_signed_in_editor(client):
    response = client.get("/editor")
    assert response.status_code == 302 and "/login?next=/editor" in response.headers["Location"]


def test_a_long_section_is_paged_and_the_desk_stays_short(editor_client, editor, doc):
    _insert_drafts(doc, editor, 1_000)
    desk = editor_client.get("/editor").get_data(as_text=True)
    assert "See all 1000" in desk
    assert desk.count('class="item item-note"') == 5
    first = editor_client.get("/editor/desk/my-drafts")
    assert first.get_data(as_text=True).count('class="item item-note"') == 25
    assert "1–25 of 1000" in _text(first)
    last = editor_client.get("/editor/desk/my-drafts?page=40")
    assert last.get_data(as_text=True).count('class="item item-note"') == 25
    assert "976–1000 of 1000" in _text(last) and 'rel="next"' not in last.get_data(as_text=True)
    for page in ("41", "0", "-1", "99999"):
        assert editor_client.get(f"/editor/desk/my-drafts?page={page}").status_code == 404
    assert editor_client.get("/editor/desk/no-such-section").status_code == 404


def test_the_desk_runs_as_many_queries_for_1000_drafts_as_for_10(app, editor_client, editor, doc):
    frank = add_user("frank", PASSWORD, "editor", "Frank")
    _insert_drafts(doc, editor, 10)
    assign(doc, "eddie", "annotate it", frank)
    for i in range(10):
        assign(_draft(doc, frank), "eddie", f"task {i}", frank)
    db.session.commit()
    editor_client.get("/editor")  # the corpus's passages are matched once, then kept
    few = get_statements(editor_client, "/editor")
    _insert_drafts(doc, editor, 990)
    editor_client.get("/editor")  # after a write, which passages are linked is worked out again
    many = get_statements(editor_client, "/editor")
    assert many == few
    assert get_statements(editor_client, "/docs/talks") < 40  # the nav's counts: no loop


def test_the_navigation_bar_counts_what_waits_for_me(app, editor_client, editor, doc):
    frank = add_user("frank", PASSWORD, "editor", "Frank")
    db.session.commit()
    assert 'class="nav-count"' not in editor_client.get("/").get_data(as_text=True)
    assign(doc, "eddie", "", frank)
    assign(_draft(doc, frank), "eddie", "", frank)
    assign(doc, "frank", "", editor)  # not mine
    start = TEXT.index("constructive")
    note = create_annotation(doc, {"kind": "note", "body": "x", "status": "published",
                                   "start": start, "end": start + 12, "exact": "constructive"})
    note.needs_check = True  # as a revision of the text leaves it
    db.session.commit()
    for page in ("/", "/docs/talks", "/editor/deleted", "/account"):
        html = editor_client.get(page).get_data(as_text=True)
        assert re.search(r'class="nav-count" title="Assigned to me: 2; To check after a text '
                         r'revision: 1">.*?3', html), page
    assert "nav-count" not in app.test_client().get("/docs/talks").get_data(as_text=True)


def test_unlinked_passages_come_from_cached_matching_and_leave_once_linked(
        seeded, editor_client, monkeypatch):
    calls = []
    original = related.find_matches
    monkeypatch.setattr(related, "find_matches", lambda docs: calls.append(1) or original(docs))
    related._CACHE.clear()
    section = find_section("passages-reported-elsewhere-not-linked-yet")
    desk = _section(_text(editor_client.get("/editor")), section.title)
    assert "drive a wedge between Moscow and Beijing" in desk
    count = int(desk[len(section.title):].split()[0])
    assert count >= 1
    editor_client.get("/editor")
    editor_client.get(f"/editor/desk/{section.key}")
    assert len(calls) == 1  # matched once for this state of the texts, not per request

    # link the first pair listed: both passages cite one source; the pair leaves the desk
    html = editor_client.get(f"/editor/desk/{section.key}").get_data(as_text=True)
    form = re.search(r'<form method="post" action="(/editor/docs/[^"]+/link)".*?</form>', html,
                     re.S)
    fields = dict(re.findall(r'name="(start|end|other|other_start|other_end)" value="([^"]*)"',
                             form.group(0)))
    response = editor_client.post(form.group(1), data={
        **fields, "csrf_token": csrf_token(editor_client, "/editor"),
        "source_title": "Speech to the Foreign Ministry Board", "relation": "translation",
        "other_relation": "translation"})
    assert response.status_code == 302
    after = _section(_text(editor_client.get("/editor")), section.title)
    assert int(after[len(section.title):].split()[0]) == count - 1
    assert len(calls) == 1  # a note changed, not a text: no new matching


def _json(client, url, token, **body):
    return client.post(url, headers={"X-CSRFToken": token}, json=body)


def test_the_activity_feed_says_who_did_what_and_links_it(app, editor_client, editor, doc):
    add_user("frank", PASSWORD, "editor", "Frank Factchecker")
    db.session.commit()
    token = csrf_token(editor_client, "/docs/talks")
    start = TEXT.index("the talks")
    created = _json(editor_client, "/editor/api/docs/talks/annotations", token,
                    kind="factcheck", verdict="accurate", body="Yes.", start=start,
                    end=start + 9, exact="the talks")
    note_id = created.get_json()["annotation"]["id"]
    assert _json(editor_client, f"/editor/api/annotations/{note_id}/submit", token,
                 version=1).status_code == 200
    assign(db.session.get(Annotation, note_id), "frank", "", editor)
    db.session.commit()
    frank = app.test_client()
    assert login(frank, "frank").status_code == 302
    frank_token = csrf_token(frank, "/docs/talks")
    sent_back = _json(frank, f"/editor/api/annotations/{note_id}/changes", frank_token,
                      version=2, comment="Which talks?")
    assert sent_back.status_code == 200, sent_back.get_json()
    assert _json(editor_client, f"/editor/api/annotations/{note_id}/submit", token,
                 version=3).status_code == 200
    assert _json(frank, f"/editor/api/annotations/{note_id}/approve", frank_token,
                 version=4).status_code == 200
    editor_client.post("/editor/docs/talks/text", data={
        "csrf_token": token, "text": TEXT.replace("said", "told reporters"), "note": "quote"})
    response = editor_client.get("/editor")
    feed = _section(_text(response), "Recent activity")
    for line in ("Eddie Editor wrote a fact check on Talks",
                 "Eddie Editor submitted a fact check on Talks for review",
                 "Eddie Editor asked Frank Factchecker to review a fact check on Talks",
                 "Frank Factchecker sent back a fact check on Talks : changes requested",
                 "Frank Factchecker approved and published a fact check on Talks",
                 "Eddie Editor revised the text of Talks : “quote”",
                 "An import added Talks"):
        assert line in feed, line
    assert feed.index("approved and published") < feed.index("sent back") \
        < feed.index("wrote a fact check")
    assert "reply" not in feed  # the request's comment is in the discussion, not the feed
    html = response.get_data(as_text=True)
    assert f'href="/docs/talks#a-{note_id}"' in html
    assert 'href="/editor/docs/talks/revisions"' in html


def test_the_activity_feed_is_newest_first_across_notes_texts_and_assignments(
        editor_client, editor, doc):
    note = _draft(doc, editor, "Draft")
    assignment = assign(note, "eddie", "", editor)
    db.session.commit()
    base = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    doc.revisions[0].created_at = base  # added
    note.revisions[0].created_at = base + timedelta(hours=2)  # wrote
    assignment.created_at = base + timedelta(hours=1)  # asked
    db.session.commit()
    feed = _section(_text(editor_client.get("/editor")), "Recent activity")
    assert feed.index("wrote") < feed.index("asked") < feed.index("added")


def test_the_activity_feed_reaches_back_a_bounded_way(editor_client, editor, doc):
    note = _draft(doc, editor)
    db.session.execute(insert(AnnotationRevision), [
        {"annotation_id": note.id, "version": 1, "action": "edited", "changed": ["body"],
         "snapshot": {}, "user_id": editor.id} for _ in range(ACTIVITY_LIMIT + 100)])
    db.session.commit()
    pages = ACTIVITY_LIMIT // 25
    last = editor_client.get(f"/editor/desk/recent-activity?page={pages}")
    assert last.get_data(as_text=True).count('class="event event-') == 25
    assert 'rel="next"' not in last.get_data(as_text=True)
    assert editor_client.get(f"/editor/desk/recent-activity?page={pages + 1}").status_code == 404


def test_every_section_has_a_page_and_an_empty_message(editor_client):
    for section in SECTIONS:
        response = editor_client.get(f"/editor/desk/{section.key}")
        assert response.status_code == 200, section.key
        assert section.empty in _text(response)


def test_a_source_list_on_the_desk_escapes_titles(seeded, editor_client):
    db.session.add(Source(title="<script>alert(1)</script>"))
    db.session.commit()
    html = editor_client.get("/editor").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_document_text_is_never_loaded_by_the_desk(app, editor_client, editor):
    big = create_document("Big\n\n" + "word " * 200_000, {"title": "Big"})
    _draft(big, editor)
    db.session.commit()
    with sql_statements() as statements:
        editor_client.get("/editor/desk/my-drafts")
    assert any(re.search(r"documents(_\d+)?\.title", s) for s in statements)  # titles shown
    loaded_text = [s for s in statements
                   if re.search(r"documents(_\d+)?\.text", s) and "substr" not in s]
    assert not loaded_text, loaded_text


def test_a_large_corpus_is_matched_in_the_background_while_the_desk_answers(
        seeded, editor_client, monkeypatch):
    monkeypatch.setattr(desk, "SYNC_DOCUMENTS", 2)  # the five seeds count as a large corpus
    related._CACHE.clear()
    desk._UNLINKED.clear()
    html = editor_client.get("/editor").get_data(as_text=True)
    assert "Being worked out across the corpus: reload the page in a moment." in html
    desk.matching_thread.join(timeout=60)
    section = _section(_text(editor_client.get("/editor")),
                       "Passages reported elsewhere, not linked yet")
    assert "drive a wedge between Moscow and Beijing" in section


@contextmanager
def sqlite_steps():
    """Count SQLite's virtual-machine steps while the block runs: the rows read
    and compared, whatever the time they take."""
    steps, connections = [0], set()

    def step():
        steps[0] += 1
        return 0

    def watch(conn, cursor, statement, *args):
        connection = conn.connection.dbapi_connection
        if connection not in connections:
            connections.add(connection)
            connection.set_progress_handler(step, 1)
    event.listen(db.engine, "before_cursor_execute", watch)
    try:
        yield steps
    finally:
        event.remove(db.engine, "before_cursor_execute", watch)
        for connection in connections:
            connection.set_progress_handler(None, 0)


def _insert_citations(source, n):
    """``n`` published notes citing ``source`` over the seeds' first words, in one statement
    (then read afresh, as after a restart)."""
    documents = db.session.scalars(select(Document).order_by(Document.id)).all()
    rows = []
    for i in range(n):
        document, start = documents[i % len(documents)], i % 50
        rows.append({"document_id": document.id, "kind": "context", "body": "", "tags": [],
                     "status": "published", "source_id": source.id, "start": start,
                     "end": start + 12, "exact": document.text[start:start + 12]})
    db.session.execute(insert(Annotation), rows)
    db.session.commit()
    related._LINKS.clear()
    desk._UNLINKED.clear()


def _unlinked_count(client, section):
    return int(_section(_text(client.get("/editor")), section.title)[len(section.title):]
               .split()[0])


def _cite(passage, source, user):
    """A draft note citing ``source`` on ``passage``, as "Link both" writes on each side."""
    document = db.session.get(Document, passage.doc)
    return create_annotation(document, {
        "kind": "context", "start": passage.start, "end": passage.end,
        "exact": document.text[passage.start:passage.end], "source_id": source.id,
        "relation": "translation", "status": "draft"}, user)


@pytest.mark.skipif(using_postgres(), reason="counts SQLite's steps")
def test_after_a_write_the_unlinked_passages_cost_the_same_at_10_and_1000_citing_notes(
        seeded, editor_client, editor):
    section = find_section("passages-reported-elsewhere-not-linked-yet")
    url = f"/editor/desk/{section.key}"
    source = create_source({"title": "Speech to the Foreign Ministry Board"}, editor)
    db.session.commit()
    cost = {}
    for n in (10, 1_000):
        _insert_citations(source, n - len(cost) * 10)
        before = _unlinked_count(editor_client, section)  # every citing note read once
        assert before >= 1
        pair = desk.unlinked_passages()[0]
        notes = [_cite(pair.here, source, editor), _cite(pair.there, source, editor)]
        db.session.commit()
        with sql_statements() as statements, sqlite_steps() as steps:
            assert editor_client.get(url).status_code == 200
        cost[n] = (len(statements), steps[0])
        assert _unlinked_count(editor_client, section) == before - 1, n  # the pair left
        for note in notes:
            delete_annotation(note, editor)
        db.session.commit()
        assert _unlinked_count(editor_client, section) == before, n  # and came back
    assert cost[1_000][0] == cost[10][0], cost
    assert cost[1_000][1] < 1.2 * cost[10][1], cost  # a full pass would read 100 times more


def test_a_note_committed_after_a_newer_one_still_links_its_pair(seeded, editor_client, editor):
    """History ids are given as transactions write, not as they commit (PostgreSQL): an id
    seen missing is looked at again, so the note it names is not missed."""
    section = find_section("passages-reported-elsewhere-not-linked-yet")
    source = create_source({"title": "Speech to the Foreign Ministry Board"}, editor)
    db.session.commit()
    before = _unlinked_count(editor_client, section)
    pair = desk.unlinked_passages()[0]
    top = db.session.scalar(select(func.max(AnnotationRevision.id)))

    def written_as(side, revision_id):
        """Cite the source on one side, its history row numbered ``revision_id``."""
        note = _cite(side, source, editor)
        db.session.flush()
        db.session.execute(update(AnnotationRevision)
                           .where(AnnotationRevision.annotation_id == note.id)
                           .values(id=revision_id))
        db.session.commit()

    written_as(pair.there, top + 10)  # the later id commits first
    assert _unlinked_count(editor_client, section) == before  # one side only: not linked
    written_as(pair.here, top + 5)
    assert _unlinked_count(editor_client, section) == before - 1
