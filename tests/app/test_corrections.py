"""Corrections in the open: an editor marks a change to a published note as a correction or
a clarification with a reason; readers see it on the note, on /corrections and in its Atom
feed, and never the wording of a draft or of a change still awaiting review."""

import re
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import select

from reader.extensions import db
from reader.models import Annotation, AnnotationRevision
from reader.services.documents import create_document
from reader.services.users import issue_token
from reader.services.corrections import MAX_SKIPPED
from reader.views.corrections import PAGE_SIZE
from reader.w3c import isoformat
from tests.conftest import (
    csrf_token, get_statements, ids_given, login, rows_skipped, sql_statements,
)

TEXT = ("A title\n\nThe spokesman said the alliance was a permanent threat to the region.\n"
        "Officials called the talks constructive.\n")
DOC = "http://localhost/docs/a-title"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def doc(app):
    document = create_document(TEXT, {"title": "A title"})
    db.session.commit()
    return document


def _bearer(user):
    token = issue_token(user, "tests")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def _w3c(exact="a permanent threat", body="No source says so.", verdict="misleading",
         motivation="assessing", **extra):
    start = TEXT.index(exact)
    data = {"@context": "http://www.w3.org/ns/anno.jsonld", "type": "Annotation",
            "motivation": motivation,
            "body": {"type": "TextualBody", "value": body, "format": "text/markdown"},
            "target": {"source": DOC, "selector": [
                {"type": "TextQuoteSelector", "exact": exact},
                {"type": "TextPositionSelector", "start": start, "end": start + len(exact)}]},
            **extra}
    if verdict:
        data["ar:verdict"] = verdict
    return data


def _published_check(client, editor, frank, **fields):
    """A fact check by eddie, approved by frank: its location."""
    location = client.post("/annotations/", json=_w3c(**fields),
                           headers=_bearer(editor)).headers["Location"]
    assert client.post(f"{location}/approval", headers=_bearer(frank)).status_code == 201
    return location


def _put(client, location, user, data):
    etag = client.get(location, headers=_bearer(user)).headers["ETag"]
    return client.put(location, json=data, headers={**_bearer(user), "If-Match": etag})


def _text(html):
    """The words of a page, as a reader reads them (no space before punctuation)."""
    return re.sub(r" ([:.;,])", r"\1", " ".join(re.sub(r"<[^>]+>", " ", html).split()))


def _entries():
    return db.session.scalars(select(AnnotationRevision).where(
        AnnotationRevision.correction.is_not(None)).order_by(AnnotationRevision.id)).all()


# --- the review gate: a marked change is public once approved, dated by the approval ---

def test_a_corrected_verdict_is_public_when_approved_and_readers_see_what_changed(
        client, doc, editor, frank):
    location = _published_check(client, editor, frank, body="The alliance never said it.")
    changed = _w3c(body="The alliance denies it; no transcript has the words.", verdict="false",
                   **{"ar:correction": {"ar:kind": "correction",
                                        "ar:reason": "A transcript surfaced after publication."}})
    assert _put(client, location, editor, changed).status_code == 200

    # awaiting review: readers see neither the change nor its mark
    page = _text(client.get("/docs/a-title").get_data(as_text=True))
    assert "Corrected" not in page and "no transcript has the words" not in page
    listing = _text(client.get("/corrections").get_data(as_text=True))
    assert "No corrections yet." in listing and "transcript surfaced" not in listing
    stored = db.session.scalars(select(Annotation)).one()
    assert stored.pending_correction == {"kind": "correction",
                                         "reason": "A transcript surfaced after publication."}

    assert client.post(f"{location}/approval", headers=_bearer(frank)).status_code == 201
    [entry] = _entries()
    assert (entry.action, entry.correction, entry.user.name) == ("approved", "correction", "frank")
    assert entry.earlier["verdict"] == "misleading"
    assert entry.earlier["body"] == "The alliance never said it."
    when = entry.created_at.strftime("%-d %b %Y")

    html = client.get("/docs/a-title").get_data(as_text=True)
    assert (f"Corrected {when}: verdict changed from Misleading to False; evidence rewritten. "
            "Reason: A transcript surfaced after publication.") in _text(html)
    earlier = html.split('<details class="earlier">')[1].split("</details>")[0]
    assert "The alliance never said it." in earlier and "Misleading" in earlier

    listing = _text(client.get("/corrections").get_data(as_text=True))
    assert "Correction" in listing and "A title" in listing and "a permanent threat" in listing
    assert "verdict changed from Misleading to False" in listing
    assert "Reason: A transcript surfaced after publication." in listing
    note_id = location.rsplit("/", 1)[1]
    assert f'href="/docs/a-title#a-{note_id}"' in client.get("/corrections").get_data(as_text=True)

    # the exports are dated by the approval
    assert client.get(location).get_json()["modified"] == isoformat(entry.created_at)
    review = client.get("/docs/a-title/claimreview.json").get_json()["@graph"][0]
    assert review["dateModified"] == isoformat(entry.created_at)
    assert review["correction"] == [{
        "@type": "CorrectionComment", "datePublished": isoformat(entry.created_at),
        "text": "Corrected: verdict changed from Misleading to False; evidence rewritten. "
                "Reason: A transcript surfaced after publication."}]


def test_readers_never_see_a_draft_or_pending_wording_as_the_earlier_one(
        client, runner, doc, editor, frank):
    location = _published_check(client, editor, frank, body="Published wording one.")
    # a change kept as a draft, then rewritten and marked, then approved
    assert _put(client, location, editor, _w3c(body="Secret draft wording.",
                                                **{"ar:status": "draft"})).status_code == 200
    marked = _w3c(body="Published wording two.",
                  **{"ar:correction": {"ar:kind": "clarification", "ar:reason": "Said plainer."}})
    assert _put(client, location, editor, marked).status_code == 200
    for path in ("/docs/a-title", "/corrections", "/corrections.atom"):
        assert "Secret draft" not in client.get(path).get_data(as_text=True)
    assert client.post(f"{location}/approval", headers=_bearer(frank)).status_code == 201
    for path in ("/docs/a-title", "/corrections", "/corrections.atom"):
        body = client.get(path).get_data(as_text=True)
        assert "Secret draft" not in body
    page = client.get("/docs/a-title").get_data(as_text=True)
    assert "Clarified" in page and "Published wording one." in page.split('class="earlier"')[1]

    # a note that was never published has no entry, however often it changed
    draft = client.post("/annotations/", json=_w3c(exact="the talks", motivation="commenting",
                                                  verdict=None, **{"ar:status": "draft"}),
                        headers=_bearer(editor)).headers["Location"]
    refused = _put(client, draft, editor, _w3c(
        exact="the talks", motivation="commenting", verdict=None, body="Another draft text.",
        **{"ar:status": "draft", "ar:correction": {"ar:kind": "correction", "ar:reason": "x"}}))
    assert refused.status_code == 422 and "published note" in refused.get_json()["detail"]
    assert len(_entries()) == 1


def test_an_unmarked_change_is_a_typo_fix_and_lists_nothing(client, doc, editor, frank):
    location = _published_check(client, editor, frank, body="No source says s.")
    assert _put(client, location, editor, _w3c(body="No source says so.")).status_code == 200
    assert client.post(f"{location}/approval", headers=_bearer(frank)).status_code == 201
    assert _entries() == []
    assert "Corrected" not in client.get("/docs/a-title").get_data(as_text=True)


@pytest.mark.parametrize("correction, status, field", [
    ({"ar:kind": "correction"}, 422, "reason"),
    ({"ar:kind": "correction", "ar:reason": "  "}, 422, "reason"),
    ({"ar:kind": "correction", "ar:reason": "x" * 301}, 422, "reason"),
    ({"ar:kind": "retraction", "ar:reason": "why"}, 422, "correction"),
    ({"ar:kind": ["correction"], "ar:reason": "why"}, 422, "ar:correction"),
    ("correction", 422, "ar:correction"),
])
def test_a_marked_change_needs_a_known_kind_and_a_one_line_reason(
        client, doc, editor, frank, correction, status, field):
    location = _published_check(client, editor, frank)
    response = _put(client, location, editor, _w3c(body="Changed.",
                                                   **{"ar:correction": correction}))
    assert response.status_code == status and field in response.get_json()["detail"]
    assert db.session.scalars(select(Annotation)).one().pending is None


@pytest.mark.parametrize("correction, reason", [
    ("correction", "x" * 1_000_000), ("correction", {"nested": ["reason"]}), ("correction", 7),
    ({"kind": "correction"}, "why"), ("correction", "bad\x00reason"),
])
def test_junk_marks_from_the_page_are_refused_and_nothing_is_saved(editor_client, doc,
                                                                    correction, reason):
    token = csrf_token(editor_client, "/docs/a-title")
    note = _editor_note(editor_client, token)
    response = editor_client.put(f"/editor/api/annotations/{note['id']}", json={
        "body": "Changed.", "version": note["version"], "correction": correction,
        "reason": reason}, headers={"X-CSRFToken": token})
    assert response.status_code == 422
    assert set(response.get_json()["fields"]) & {"correction", "reason"}
    db.session.expire_all()
    assert db.session.get(Annotation, note["id"]).body != "Changed." and _entries() == []


def test_a_correction_must_change_something_readers_read(client, doc, editor, frank):
    location = _published_check(client, editor, frank)
    response = _put(client, location, editor, _w3c(
        **{"ar:correction": {"ar:kind": "correction", "ar:reason": "Nothing, really."}}))
    assert response.status_code == 422 and "nothing readers read changed" in response.get_json()[
        "detail"]


# --- the editor's page: a note of a kind published directly --------------------------

def _editor_note(editor_client, token, body="The talks were tense, not constructive."):
    start = TEXT.index("the talks")
    response = editor_client.post("/editor/api/docs/a-title/annotations", json={
        "kind": "note", "body": body, "status": "published", "start": start,
        "end": start + len("the talks"), "exact": "the talks"}, headers={"X-CSRFToken": token})
    assert response.status_code == 201
    return response.get_json()["annotation"]


def test_an_editor_marks_a_clarification_from_the_page_and_it_is_public_at_once(
        editor_client, doc):
    token = csrf_token(editor_client, "/docs/a-title")
    note = _editor_note(editor_client, token)
    url = f"/editor/api/annotations/{note['id']}"
    edit = {"kind": "note", "body": "The talks were **tense**, by both sides' account.",
            "status": "published", "version": note["version"], "correction": "clarification",
            "reason": ""}
    refused = editor_client.put(url, json=edit, headers={"X-CSRFToken": token})
    assert refused.status_code == 422 and "reason" in refused.get_json()["fields"]
    assert editor_client.put(url, json={**edit, "reason": "Both sides said so."}).status_code == 400
    saved = editor_client.put(url, json={**edit, "reason": "Both sides said so."},
                              headers={"X-CSRFToken": token})
    assert saved.status_code == 200
    [entry] = _entries()
    assert (entry.action, entry.correction, entry.reason) == ("edited", "clarification",
                                                              "Both sides said so.")
    editor_client.post("/logout", data={"csrf_token": token})
    page = _text(editor_client.get("/docs/a-title").get_data(as_text=True))
    assert "Clarified" in page and "text rewritten. Reason: Both sides said so." in page


def test_the_edit_form_offers_the_mark_for_a_published_note_only(editor_client, doc):
    token = csrf_token(editor_client, "/docs/a-title")
    note = _editor_note(editor_client, token)
    fields = editor_client.get(f"/editor/api/annotations/{note['id']}").get_json()
    assert fields["published"] is True and fields["correction"] is None
    page = editor_client.get("/docs/a-title").get_data(as_text=True)
    assert 'name="correction"' in page and 'name="reason"' in page


# --- withdrawals --------------------------------------------------------------------

def test_unpublishing_or_deleting_a_published_note_needs_a_reason_and_leaves_an_entry(
        editor_client, doc):
    token = csrf_token(editor_client, "/docs/a-title")
    note = _editor_note(editor_client, token, body="A claim we cannot stand by.")
    url = f"/editor/api/annotations/{note['id']}"
    headers = {"X-CSRFToken": token}
    refused = editor_client.post(f"{url}/unpublish", json={"version": note["version"]},
                                 headers=headers)
    assert refused.status_code == 422 and "reason" in refused.get_json()["fields"]
    done = editor_client.post(f"{url}/unpublish", json={
        "version": note["version"], "reason": "The only witness recanted."}, headers=headers)
    assert done.status_code == 200
    [entry] = _entries()
    assert (entry.action, entry.correction, entry.reason) == (
        "unpublished", "withdrawal", "The only witness recanted.")
    # a draft goes without a reason, and leaves nothing
    version = done.get_json()["annotation"]["version"]
    assert editor_client.post(f"{url}/delete", json={"version": version},
                              headers=headers).status_code == 200
    assert len(_entries()) == 1
    editor_client.post("/logout", data={"csrf_token": token})
    listing = _text(editor_client.get("/corrections").get_data(as_text=True))
    assert "Withdrawn" in listing and "Reason: The only witness recanted." in listing
    assert "The note is no longer published." in listing
    assert "A claim we cannot stand by." not in listing  # the note's words left with it
    assert "A claim we cannot stand by." not in editor_client.get("/docs/a-title").get_data(
        as_text=True)


def test_withdrawing_a_note_with_a_pending_change_shows_only_what_readers_saw(
        editor_client, client, doc, editor, frank):
    location = _published_check(client, editor, frank, body="Published evidence.")
    assert _put(client, location, editor, _w3c(exact="the talks", body="Secret pending.",
                                               **{"ar:status": "draft"})).status_code == 200
    note_id = int(location.rsplit("/", 1)[1])
    token = csrf_token(editor_client, "/docs/a-title")
    version = db.session.get(Annotation, note_id).version
    assert editor_client.post(f"/editor/api/annotations/{note_id}/unpublish", json={
        "version": version, "reason": "Under review again."},
        headers={"X-CSRFToken": token}).status_code == 200
    editor_client.post("/logout", data={"csrf_token": token})
    for path in ("/corrections", "/corrections.atom"):
        body = client.get(path).get_data(as_text=True)
        assert "a permanent threat" in body and "Under review again." in body
        assert "the talks" not in body and "Secret pending" not in body


def test_deleting_a_published_note_over_the_api_asks_for_a_reason(client, doc, editor):
    auth = _bearer(editor)
    location = client.post("/annotations/", json=_w3c(exact="the talks", motivation="commenting",
                                                     verdict=None),
                           headers=auth).headers["Location"]
    etag = client.get(location, headers=auth).headers["ETag"]
    assert client.delete(location, headers=auth).status_code == 428
    refused = client.delete(location, headers={**auth, "If-Match": etag})
    assert refused.status_code == 422 and "reason" in refused.get_json()["detail"]
    assert client.delete(location, headers={**auth, "If-Match": etag},
                         json={"ar:reason": "Duplicate of another note."}).status_code == 204
    [entry] = _entries()
    assert (entry.action, entry.correction, entry.reason) == (
        "deleted", "withdrawal", "Duplicate of another note.")
    # deleting stays recoverable
    assert db.session.scalars(select(Annotation)).one().deleted_at is not None


def test_a_put_that_unpublishes_a_note_asks_for_a_reason(client, doc, editor):
    auth = _bearer(editor)
    note = dict(exact="the talks", motivation="commenting", verdict=None)
    location = client.post("/annotations/", json=_w3c(**note), headers=auth).headers["Location"]
    assert _put(client, location, editor, _w3c(**note, **{"ar:status": "draft"})
                ).status_code == 422
    assert _put(client, location, editor, _w3c(**note, **{
        "ar:status": "draft", "ar:correction": {"ar:reason": "Wrong document."}})
    ).status_code == 200
    assert [e.correction for e in _entries()] == ["withdrawal"]


# --- the list and the feed ----------------------------------------------------------

def test_the_atom_feed_parses_and_carries_every_entry_escaped(client, doc, editor, frank):
    location = _published_check(client, editor, frank)
    hostile = "<script>alert(1)</script> & “quotes”"
    assert _put(client, location, editor, _w3c(body="New evidence.", verdict="false", **{
        "ar:correction": {"ar:kind": "correction", "ar:reason": hostile}})).status_code == 200
    client.post(f"{location}/approval", headers=_bearer(frank))
    note = client.post("/annotations/", json=_w3c(exact="the talks", motivation="commenting",
                                                  verdict=None), headers=_bearer(editor))
    etag = note.headers["ETag"]
    client.delete(note.headers["Location"], headers={**_bearer(editor), "If-Match": etag},
                  json={"ar:reason": "Off topic."})

    response = client.get("/corrections.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.data)
    assert root.tag == f"{ATOM}feed"
    assert root.find(f"{ATOM}id").text == "http://localhost/corrections.atom"
    assert root.find(f"{ATOM}updated").text.endswith("Z")
    assert {link.get("rel") for link in root.findall(f"{ATOM}link")} == {"self", "alternate"}
    entries = root.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == [
        "Withdrawn: A title", "Correction: A title"]
    for entry in entries:
        assert entry.find(f"{ATOM}id").text and entry.find(f"{ATOM}updated").text
    corrected = entries[1]
    assert hostile in corrected.find(f"{ATOM}summary").text  # text, escaped in the XML
    assert b"<script>" not in response.data
    note_id = location.rsplit("/", 1)[1]
    assert corrected.find(f"{ATOM}link").get("href") == f"http://localhost/docs/a-title#a-{note_id}"
    page = client.get("/corrections").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_an_empty_feed_is_still_a_valid_feed(client):
    root = ET.fromstring(client.get("/corrections.atom").data)
    assert root.findall(f"{ATOM}entry") == [] and root.find(f"{ATOM}updated").text


def _many_withdrawals(doc, editor, n):
    """``n`` published notes, each deleted with a reason: ``n`` public entries."""
    from reader.services.annotations import create_annotation, delete_annotation
    start = TEXT.index("the talks")
    for i in range(n):
        note = create_annotation(doc, {"kind": "note", "body": f"Note {i}", "status": "published",
                                       "start": start, "end": start + 9, "exact": "the talks"},
                                 editor)
        delete_annotation(note, editor, reason=f"Reason {i}")
    db.session.commit()




def test_the_list_is_paged_in_sql_newest_first(client, doc, editor):
    _many_withdrawals(doc, editor, PAGE_SIZE + 3)
    few = get_statements(client, "/corrections?page=2")  # 3 entries (rendered: nothing kept yet)
    first = client.get("/corrections").get_data(as_text=True)
    assert first.count('class="correction-entry') == PAGE_SIZE
    assert f"Reason {PAGE_SIZE + 2}" in first and "Reason 0<" not in first
    assert 'rel="next"' in first
    second = client.get("/corrections?page=2").get_data(as_text=True)
    assert second.count('class="correction-entry') == 3 and "Reason 0<" in second
    for junk in ("3", "0", "-1", "abc", "1" * 40, "²"):
        assert client.get(f"/corrections?page={junk}").status_code == 404
    _many_withdrawals(doc, editor, 4 * PAGE_SIZE)
    assert get_statements(client, "/corrections?page=2") == few > 1  # a full page: no work per entry


def _link(html, rel):
    found = re.search(rf'<a href="([^"]+)" rel="{rel}">', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_the_pager_seeks_from_the_entry_at_the_edge_of_each_page(client, doc, editor):
    _many_withdrawals(doc, editor, 3 * PAGE_SIZE + 4)  # four pages, the last of 4
    newest_first = [f"Reason {i}" for i in range(3 * PAGE_SIZE + 3, -1, -1)]
    path, seen, pages, statements = "/corrections", [], [], set()
    while path:
        with sql_statements() as sent, rows_skipped() as skipped:
            html = client.get(path).get_data(as_text=True)
        pages.append(path)
        seen += re.findall(r'Reason: (Reason \d+)<', html)
        if path != "/corrections":
            assert not any(skipped), path  # no page of rows skipped
            statements.add(len(sent))
            assert "before=" in path and f"page={len(pages)}" in path
        path = _link(html, "next")
    assert seen == newest_first and len(pages) == 4
    assert len(statements) == 1  # the same work for every later page
    # back up again: the same pages, newest first
    html = client.get(pages[-1]).get_data(as_text=True)
    for number in (3, 2):
        path = _link(html, "prev")
        assert "after=" in path and f"page={number}" in path
        html = client.get(path).get_data(as_text=True)
        assert re.findall(r'Reason: (Reason \d+)<', html) == \
            newest_first[(number - 1) * PAGE_SIZE:number * PAGE_SIZE]
    assert _link(html, "prev") == "/corrections"
    # an entry gone from the list (or never there): the page number still finds the page
    gone = client.get("/corrections?page=4&before=999999").get_data(as_text=True)
    assert re.findall(r'Reason: (Reason \d+)<', gone) == newest_first[3 * PAGE_SIZE:]
    for junk in ("abc", "0", "-1", "1" * 40, str(2**31), "²"):
        assert client.get(f"/corrections?page=2&before={junk}").status_code == 404
    assert client.get("/corrections?page=2&before=1&after=2").status_code == 404



def _bulk_withdrawals(doc, n):
    """``n`` public entries (withdrawals, "Reason 0" the oldest), inserted as rows."""
    from datetime import UTC, datetime, timedelta
    start = TEXT.index("the talks")
    fields = {"kind": "note", "body": "Withdrawn.", "tags": [], "start": start, "end": start + 9,
              "exact": "the talks", "source_id": None, "relation": None, "verdict": None}
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    connection = db.session.connection()
    first = (db.session.scalar(select(db.func.max(Annotation.id))) or 0) + 1
    connection.execute(Annotation.__table__.insert(), [
        {"id": first + i, "document_id": doc.id, "start": start, "end": start + 9,
         "exact": "the talks", "kind": "note", "body": "Withdrawn.", "body_html": "",
         "tags": [], "status": "published", "version": 2, "orphan": False,
         "anchor_state": "unchanged", "deleted_at": moment + timedelta(minutes=i)}
        for i in range(n)])
    connection.execute(AnnotationRevision.__table__.insert(), [
        {"annotation_id": first + i, "version": 2, "action": "deleted", "changed": [],
         "snapshot": fields, "correction": "withdrawal", "reason": f"Reason {i}",
         "earlier": {**fields, "source_title": None},
         "created_at": moment + timedelta(minutes=i)} for i in range(n)])
    ids_given(connection, "annotations")
    db.session.commit()


def _reasons(html):
    return re.findall(r'Reason: (Reason \d+)<', html)


def test_a_deep_page_by_its_number_alone_says_how_to_reach_it(client, doc):
    _bulk_withdrawals(doc, 40 * PAGE_SIZE)  # 40 pages
    newest_first = [f"Reason {i}" for i in range(40 * PAGE_SIZE - 1, -1, -1)]
    deepest = MAX_SKIPPED // PAGE_SIZE + 1  # the deepest page a number alone finds
    assert 1 < deepest < 40
    with rows_skipped() as skipped:
        html = client.get(f"/corrections?page={deepest}").get_data(as_text=True)
    assert _reasons(html) == newest_first[(deepest - 1) * PAGE_SIZE:deepest * PAGE_SIZE]
    assert max(skipped) <= MAX_SKIPPED
    for path in (f"/corrections?page={deepest + 1}", "/corrections?page=40",
                 f"/corrections?page=40&before={2**31 - 1}"):  # an entry that is not there
        with rows_skipped() as skipped:
            response = client.get(path)
        page = _text(response.get_data(as_text=True))
        assert response.status_code == 404 and not _reasons(page), path
        assert not any(skipped), path  # refused before any entry is read
        assert "cannot be found from this address" in page
        assert "follow the “Older” links" in page and 'href="/corrections"' in \
            response.get_data(as_text=True)
    assert "no longer listed" in _text(client.get(path).get_data(as_text=True))
    # the pager's links reach page 40 all the same, each page reading only its own entries
    path, statements = "/corrections", set()
    for number in range(2, 41):
        path = _link(html if number > 2 else client.get(path).get_data(as_text=True), "next")
        assert f"page={number}&before=" in path
        with sql_statements() as sent, rows_skipped() as skipped:
            html = client.get(path).get_data(as_text=True)
        assert _reasons(html) == newest_first[(number - 1) * PAGE_SIZE:number * PAGE_SIZE]
        assert not any(skipped), path
        statements.add(len(sent))
    assert len(statements) == 1 and _link(html, "next") is None  # page 2 costs what page 40 does


def test_readers_get_304s_and_editors_pages_are_kept_by_no_cache(client, doc, editor):
    _bulk_withdrawals(doc, PAGE_SIZE + 3)
    for path in ("/corrections", "/corrections?page=2", "/corrections.atom"):
        response = client.get(path)
        assert response.headers["Cache-Control"] == "no-cache", path
        assert "Cookie" in response.headers["Vary"] and response.last_modified, path
        for header in ({"If-None-Match": response.headers["ETag"]},
                       {"If-Modified-Since": response.headers["Last-Modified"]}):
            again = client.get(path, headers=header)
            assert again.status_code == 304 and not again.get_data(), (path, header)
            assert again.headers["ETag"] == response.headers["ETag"], path
        assert client.get(path, headers={"If-None-Match": 'W/"other"'}).status_code == 200
    etag = client.get("/corrections").headers["ETag"]
    login(client)
    signed_in = client.get("/corrections", headers={"If-None-Match": etag})
    assert signed_in.status_code == 200 and "ETag" not in signed_in.headers
    assert signed_in.headers["Cache-Control"] == "private, no-store"

def test_the_validators_move_when_a_correction_is_published(client, doc, editor, frank):
    location = _published_check(client, editor, frank)
    pages = ("/docs/a-title", "/corrections", "/corrections.atom", "/")
    before = {path: client.get(path) for path in pages}
    for path, response in before.items():
        again = client.get(path, headers={"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304, path
    assert _put(client, location, editor, _w3c(body="New.", verdict="false", **{
        "ar:correction": {"ar:kind": "correction", "ar:reason": "Wrong verdict."}})
    ).status_code == 200
    listed = client.get("/corrections")  # a change awaiting review lists nothing yet
    assert client.get("/corrections", headers={"If-None-Match": listed.headers["ETag"]}
                      ).status_code == 304
    before["/corrections"] = listed
    client.post(f"{location}/approval", headers=_bearer(frank))
    for path, response in before.items():
        after = client.get(path, headers={"If-None-Match": response.headers["ETag"]})
        assert after.status_code == 200 and after.headers["ETag"] != response.headers["ETag"], path
    assert client.get("/corrections").last_modified >= before["/docs/a-title"].last_modified


def test_the_footer_links_the_corrections_page(client, doc):
    assert 'href="/corrections"' in client.get("/").get_data(as_text=True)


def test_the_history_shows_the_mark_of_the_change(editor_client, doc):
    token = csrf_token(editor_client, "/docs/a-title")
    note = _editor_note(editor_client, token)
    editor_client.put(f"/editor/api/annotations/{note['id']}", headers={"X-CSRFToken": token},
                      json={"body": "Tense talks.", "version": note["version"],
                            "correction": "correction", "reason": "They were <b>tense</b>."})
    history = editor_client.get(f"/editor/annotations/{note['id']}/history").get_data(as_text=True)
    assert "Public correction</strong>: They were &lt;b&gt;tense&lt;/b&gt;." in history
