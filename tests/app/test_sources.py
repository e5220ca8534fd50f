"""Sources: only published ones reach readers, ids belong to the server, every change is kept,
two can be merged, an unused one deleted and restored, a pair of passages cited once."""

import json
import re

import pytest
from sqlalchemy import func, select

from reader.config import MAX_ID
from reader.extensions import db
from reader.models import Annotation, AnnotationRevision, Document, Source, SourceRevision
from reader.services.annotations import create_annotation, delete_annotation
from reader.services.documents import create_document
from reader.services.interchange import import_annotations
from reader.services.related import related_passages
from reader.services.sources import create_source
from tests.conftest import BASE, csrf_token

TEXT = "Talks\n\nThe minister said the talks were constructive and the border stays open.\n"


@pytest.fixture
def doc(app):
    document = create_document(TEXT, {"title": "Talks"})
    db.session.commit()
    return document


def _cite(document, source, word="talks", status="published"):
    start = document.text.index(word)
    return create_annotation(document, {
        "kind": "context", "source_id": source.id, "relation": "paraphrase", "status": status,
        "start": start, "end": start + len(word), "exact": word})


def _context(source, exact="the talks", slug="talks"):
    return {"type": "Annotation", "bodyValue": "",
            "motivation": "linking",
            "target": {"source": f"{BASE}/docs/{slug}",
                       "selector": {"type": "TextQuoteSelector", "exact": exact}},
            "ar:relation": "paraphrase", "ar:source": source}


def _api(token):
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/ld+json"}


# --- what readers see -------------------------------------------------------------------------

def test_a_source_cited_only_by_drafts_is_not_found_by_readers(app, editor_client, doc):
    client = app.test_client()
    source = create_source({"title": "Closed-door briefing", "speaker": "An official",
                            "notes": "Off the record"})
    note = _cite(doc, source, status="draft")
    db.session.commit()
    assert client.get(f"/sources/{source.id}").status_code == 404
    page = editor_client.get(f"/sources/{source.id}")
    assert page.status_code == 200 and "Not shown to readers" in page.get_data(as_text=True)

    note.status = "published"
    db.session.commit()
    shown = client.get(f"/sources/{source.id}")
    assert shown.status_code == 200 and "Closed-door briefing" in shown.get_data(as_text=True)

    delete_annotation(note)
    db.session.commit()
    assert client.get(f"/sources/{source.id}").status_code == 404


def test_readers_never_see_a_draft_citation_of_a_public_source(client, doc):
    source = create_source({"title": "The speech"})
    _cite(doc, source, "talks")
    _cite(doc, source, "border", status="draft")
    db.session.commit()
    html = client.get(f"/sources/{source.id}").get_data(as_text=True)
    assert "Cited in 1 place" in html and "border" not in html


# --- ids belong to the server -----------------------------------------------------------------

@pytest.mark.parametrize("source_id", [MAX_ID, 5, 1000])
def test_the_api_cannot_create_a_source_under_an_id_it_chooses(client, doc, token, source_id):
    response = client.post("/annotations/", headers=_api(token), json=_context(
        {"id": f"{BASE}/sources/{source_id}", "ar:title": "Squatter"}))
    assert response.status_code == 422
    assert f"there is no source {source_id}" in response.json["detail"]
    assert db.session.scalar(select(func.count()).select_from(Source)) == 0
    # later sources are created as usual, under the database's next ids
    for n in range(2):
        created = client.post("/annotations/", headers=_api(token),
                              json=_context({"ar:title": f"Speech {n}"}))
        assert created.status_code == 201, created.json
        assert created.json["ar:source"]["id"] == f"{BASE}/sources/{n + 1}"


def test_an_id_past_sql_integers_is_refused(client, doc, token):
    response = client.post("/annotations/", headers=_api(token), json=_context(
        {"id": f"{BASE}/sources/{MAX_ID + 1}", "ar:title": "Far away"}))
    assert response.status_code == 422 and "out of range" in response.json["detail"]


def test_a_source_changed_through_the_api_is_recorded(client, doc, token, editor):
    source = create_source({"title": "Speech", "speaker": "The minister"})
    db.session.commit()
    response = client.post("/annotations/", headers=_api(token), json=_context(
        {"id": f"{BASE}/sources/{source.id}", "ar:title": "Speech to the Duma",
         "ar:speaker": "The minister"}))
    assert response.status_code == 201
    db.session.expire_all()
    assert db.session.get(Source, source.id).title == "Speech to the Duma"
    edit = db.session.scalars(select(SourceRevision).filter_by(source_id=source.id)
                              .order_by(SourceRevision.version.desc())).first()
    assert (edit.action, edit.changed, edit.user_id) == ("edited", ["title"], editor.id)
    assert edit.snapshot["title"] == "Speech to the Duma"


def test_citing_a_source_by_its_id_alone_changes_nothing(client, doc, token):
    source = create_source({"title": "Speech", "speaker": "The minister"})
    db.session.commit()
    response = client.post("/annotations/", headers=_api(token),
                           json=_context({"id": f"{BASE}/sources/{source.id}"}))
    assert response.status_code == 201
    assert response.json["ar:source"]["ar:title"] == "Speech"
    assert db.session.scalar(select(func.count()).select_from(SourceRevision)) == 1  # created


def test_the_command_line_import_keeps_ids_and_later_sources_follow(doc):
    item = _context({"id": f"{BASE}/sources/500", "ar:title": "Imported speech"})
    item["id"] = f"{BASE}/annotations/700"
    import_annotations({"type": "AnnotationCollection", "first": {"items": [item]}}, BASE)
    db.session.commit()
    assert db.session.get(Source, 500).title == "Imported speech"
    later = create_source({"title": "A later source"})
    db.session.commit()  # an id the import used would fail here on PostgreSQL
    assert later.id == 501


# --- editing ---------------------------------------------------------------------------------

def _edit_form(source, **changes):
    data = {"title": source.title, "speaker": source.speaker, "venue": source.venue,
            "occurred_on": "", "url": source.url, "language": source.language,
            "notes": source.notes, "version": str(source.version)}
    return {**data, **changes}


def test_editing_a_source_keeps_the_earlier_version(editor_client, doc):
    source = create_source({"title": "Speech", "speaker": "The minister"})
    _cite(doc, source)
    db.session.commit()
    form = _edit_form(source, title="Speech at the Foreign Ministry Board",
                      occurred_on="2021-11-18")
    form["csrf_token"] = csrf_token(editor_client, f"/editor/sources/{source.id}/edit")
    response = editor_client.post(f"/editor/sources/{source.id}/edit", data=form)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/sources/{source.id}")
    history = editor_client.get(f"/editor/sources/{source.id}/history").get_data(as_text=True)
    assert "Version 2: edited" in history and "by Eddie Editor" in history
    assert "<td class=\"old\">Speech</td>" in history
    assert "Speech at the Foreign Ministry Board" in history and "2021-11-18" in history
    page = editor_client.get("/docs/talks").get_data(as_text=True)
    assert "Speech at the Foreign Ministry Board" in page


def test_a_stale_edit_saves_nothing_and_keeps_the_editors_text(editor_client, doc):
    source = create_source({"title": "Speech"})
    db.session.commit()
    form = _edit_form(source, title="My correction")
    form["csrf_token"] = csrf_token(editor_client, f"/editor/sources/{source.id}/edit")
    source.title = "Their correction"  # someone else saves first
    db.session.commit()
    response = editor_client.post(f"/editor/sources/{source.id}/edit", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert 'value="My correction"' in html and "Saved meanwhile" in html
    assert "Their correction" in html
    db.session.expire_all()
    assert db.session.get(Source, source.id).title == "Their correction"


def test_a_source_edit_with_bad_fields_says_what_to_fix(editor_client, doc):
    source = create_source({"title": "Speech"})
    db.session.commit()
    form = _edit_form(source, title="  ", url="javascript:alert(1)")
    form["csrf_token"] = csrf_token(editor_client, f"/editor/sources/{source.id}/edit")
    response = editor_client.post(f"/editor/sources/{source.id}/edit", data=form)
    assert response.status_code == 422
    assert "This field is required" in response.get_data(as_text=True)


# --- merging -------------------------------------------------------------------------------

def test_merging_moves_every_citation_and_leads_the_old_address_there(app, editor_client, doc):
    client = app.test_client()
    duplicate = create_source({"title": "Putin speech, 18 Nov"})
    survivor = create_source({"title": "Speech at the Foreign Ministry Board"})
    published = _cite(doc, duplicate, "talks")
    draft = _cite(doc, duplicate, "border", status="draft")
    deleted = _cite(doc, duplicate, "minister")
    delete_annotation(deleted)
    kept = _cite(doc, survivor, "constructive")
    db.session.commit()
    review = editor_client.get(f"/editor/sources/{duplicate.id}/merge?into={survivor.id}")
    assert review.status_code == 200 and "2 notes will cite" in review.get_data(as_text=True)
    response = editor_client.post(f"/editor/sources/{duplicate.id}/merge", data={
        "into": survivor.id, "csrf_token": csrf_token(editor_client, "/editor/sources/")})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/sources/{survivor.id}")

    db.session.expire_all()
    for note in (published, draft, deleted, kept):
        assert db.session.get(Annotation, note.id).source_id == survivor.id
    moved = db.session.scalars(select(AnnotationRevision).filter_by(
        annotation_id=published.id, action="source merged")).one()
    assert moved.snapshot["source_id"] == survivor.id
    assert client.get(f"/sources/{duplicate.id}").status_code == 301
    assert client.get(f"/sources/{duplicate.id}").headers["Location"].endswith(
        f"/sources/{survivor.id}")
    page = client.get(f"/sources/{survivor.id}").get_data(as_text=True)
    assert "Cited in 2 places" in page  # the published two; drafts and deleted ones hidden
    gone = editor_client.get(f"/editor/sources/{duplicate.id}/history").get_data(as_text=True)
    assert f"merged into source {survivor.id}" in gone
    took = editor_client.get(f"/editor/sources/{survivor.id}/history").get_data(as_text=True)
    assert f"took over 3 citations of source {duplicate.id}" in took
    assert "Putin speech, 18 Nov" not in editor_client.get("/editor/sources/").get_data(
        as_text=True)


def test_a_merged_away_source_cited_over_the_api_cites_the_survivor(client, editor_client, doc,
                                                                   token):
    duplicate, survivor = create_source({"title": "Old"}), create_source({"title": "New"})
    db.session.commit()
    editor_client.post(f"/editor/sources/{duplicate.id}/merge", data={
        "into": survivor.id, "csrf_token": csrf_token(editor_client, "/editor/sources/")})
    response = client.post("/annotations/", headers=_api(token), json=_context(
        {"id": f"{BASE}/sources/{duplicate.id}", "ar:title": "Old"}))
    assert response.status_code == 201
    assert response.json["ar:source"]["ar:title"] == "New"  # the survivor, not overwritten


@pytest.mark.parametrize("into, message", [
    ("self", "cannot be merged into itself"), ("999", "there is no source 999"),
    ("x", "“x” is not a source id"), ("", "choose the source to merge into"),
])
def test_a_bad_merge_says_why_and_changes_nothing(editor_client, doc, into, message):
    source, other = create_source({"title": "One"}), create_source({"title": "Two"})
    _cite(doc, source)
    db.session.commit()
    response = editor_client.post(f"/editor/sources/{source.id}/merge", data={
        "into": str(source.id) if into == "self" else into,
        "csrf_token": csrf_token(editor_client, "/editor/sources/")})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Source, source.id).merged_into_id is None
    assert db.session.get(Source, other.id).version == 1


# --- deleting and restoring -------------------------------------------------------------------

def test_a_cited_source_cannot_be_deleted(editor_client, doc):
    source = create_source({"title": "Speech"})
    _cite(doc, source, status="draft")
    db.session.commit()
    response = editor_client.post(f"/editor/sources/{source.id}/delete", data={
        "csrf_token": csrf_token(editor_client, "/editor/sources/")}, follow_redirects=True)
    assert "1 note still cite" in response.get_data(as_text=True)
    assert db.session.get(Source, source.id).deleted_at is None


def test_an_unused_source_is_deleted_and_restored_from_the_deleted_page(editor_client, doc):
    source = create_source({"title": "A typo of a source"})
    db.session.commit()
    token = csrf_token(editor_client, "/editor/sources/")
    editor_client.post(f"/editor/sources/{source.id}/delete", data={"csrf_token": token})
    assert db.session.get(Source, source.id).deleted_at is not None
    assert editor_client.get("/editor/api/sources?q=typo").json == []
    deleted = editor_client.get("/editor/deleted").get_data(as_text=True)
    assert f'id="deleted-source-{source.id}"' in deleted
    assert f"/editor/sources/{source.id}/restore" in deleted
    editor_client.post(f"/editor/sources/{source.id}/restore", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.get(Source, source.id).deleted_at is None
    assert [s["id"] for s in editor_client.get("/editor/api/sources?q=typo").json] == [source.id]
    actions = [r.action for r in db.session.get(Source, source.id).revisions]
    assert actions == ["created", "deleted", "restored"]


def test_restoring_a_note_brings_back_its_deleted_source(editor_client, editor, doc):
    source = create_source({"title": "Speech"})
    note = _cite(doc, source)
    note.creator = editor  # a published note of no account is an admin's to restore
    delete_annotation(note)
    db.session.commit()
    token = csrf_token(editor_client, "/editor/sources/")
    editor_client.post(f"/editor/sources/{source.id}/delete", data={"csrf_token": token})
    assert db.session.get(Source, source.id).deleted_at is not None
    editor_client.post(f"/editor/annotations/{note.id}/restore", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.get(Source, source.id).deleted_at is None


# --- linking two reported passages ------------------------------------------------------------

RT = "000_4407d142b209daaa.txt"
OTHER = "001_d4a3d1238127169d.txt"


def _link(client, here, there, passage, **fields):
    return client.post(f"/editor/docs/{here.slug}/link", data={
        "csrf_token": csrf_token(client, f"/docs/{here.slug}"),
        "start": passage["here"].start, "end": passage["here"].end, "other": there.slug,
        "other_start": passage["there"].start, "other_end": passage["there"].end,
        "relation": "translation", "other_relation": "paraphrase", **fields})


def test_linking_a_pair_twice_never_duplicates_its_citations(seeded, editor_client):
    rt, other = (db.session.scalars(select(Document).filter_by(source_file=name)).one()
                 for name in (RT, OTHER))
    passages = [p for p in related_passages(rt) if not p["linked"]
                and p["document"].id == other.id]
    linked_before = editor_client.get(f"/docs/{rt.slug}").get_data(as_text=True).count(
        "related-item is-linked")
    first = _link(editor_client, rt, other, passages[0], source_title="Remarks on the border")
    source_id = int(first.headers["Location"].rsplit("/", 1)[1])
    again = _link(editor_client, rt, other, passages[0], source_id=str(source_id))
    assert again.status_code == 302
    page = editor_client.get(again.headers["Location"]).get_data(as_text=True)
    assert "already cite this source: nothing was added" in page
    assert "Cited in 2 places" in page
    assert db.session.scalar(select(func.count()).select_from(Annotation).filter_by(
        source_id=source_id)) == 2
    # and a reworded pair linked already is marked on the document page
    html = editor_client.get(f"/docs/{rt.slug}").get_data(as_text=True)
    items = re.findall(r'<li class="related-item is-linked">.*?</li>', html, re.S)
    assert any(passages[0]["here_text"][:40] in item and "Remarks on the border" in item
               for item in items)
    assert len(items) == linked_before + 1


# --- invisible characters ---------------------------------------------------------------------

def test_invisible_characters_leave_titles_tags_and_sources_but_never_the_text(client, token):
    text = "Talks\u200b\n\nThe minister said the talks were constructive.\n"
    document = create_document(text, {"title": "\u2066Talks\u2069 \u202eon NATO"})
    db.session.commit()
    assert document.title == "Talks on NATO" and document.text == text
    note = _context({"ar:title": "\u202eSpeech\u200b", "ar:speaker": "The\u2060 minister"},
                    slug=document.slug)
    del note["bodyValue"]
    note["body"] = [{"type": "TextualBody", "purpose": "tagging", "value": "na\u200dto"}]
    response = client.post("/annotations/", headers=_api(token), json=note)
    assert response.status_code == 201, response.json
    stored = db.session.get(Annotation, int(response.json["id"].rsplit("/", 1)[1]))
    assert stored.tags == ["nato"]
    assert (stored.source.title, stored.source.speaker) == ("Speech", "The minister")
    assert json.dumps(response.json, ensure_ascii=False).count("\u202e") == 0
