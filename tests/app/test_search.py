"""/search and reader/search.py: texts and published notes, an index that stays current."""

import re
from html import unescape
from urllib.parse import quote

import pytest
from sqlalchemy import select

from reader.extensions import db
from reader.models import Annotation, Document
from reader.search import search
from reader.services.annotations import (
    create_annotation, delete_annotation, restore_annotation, set_status, update_annotation,
)
from reader.services.documents import create_document, revise_text
from tests.conftest import SEED_FILES
from tests.unit.test_terms import HOSTILE


def _doc(seed=SEED_FILES[0]):
    return db.session.scalars(select(Document).filter_by(source_file=seed.name)).one()


def _note(document, phrase, body, status="published", kind="note", **fields):
    start = document.text.index(phrase)
    annotation = create_annotation(document, {
        "kind": kind, "body": body, "status": status, "start": start,
        "end": start + len(phrase), "exact": phrase, **fields})
    db.session.commit()
    return annotation


def _note_ids(query):
    return [hit.annotation.id for hit in search(query).notes]


def _doc_slugs(query):
    return [hit.slug for hit in search(query).documents]


def test_finds_words_in_the_texts_with_marked_snippets_and_places(seeded, client):
    html = client.get("/search?q=nato").get_data(as_text=True)
    assert "In the texts" in html and "In the notes" in html
    assert re.search(r"<mark>NATO</mark>", html)
    place = re.search(r'href="/docs/([^"?#]+)\?hl=(\d+)-(\d+)#p-(\d+)"', html)
    assert place
    document = db.session.scalars(select(Document).filter_by(slug=place.group(1))).one()
    start, end = int(place.group(2)), int(place.group(3))
    assert document.text[start:end].lower() == "nato"


def test_a_place_names_the_block_its_words_are_in(seeded, client):
    from reader.text.canonical import detect_structure
    for hit in search("sanctions").documents:
        document = db.session.scalars(select(Document).filter_by(slug=hit.slug)).one()
        blocks = detect_structure(document.text)
        for place in hit.snippets:
            start, end = map(int, place.hl.split("-"))
            block = blocks[place.block]
            assert block.start <= start < end <= block.end


def test_finds_published_notes_and_links_their_permalinks(seeded, client):
    html = client.get("/search?q=" + quote('"security guarantees"')).get_data(as_text=True)
    note = re.search(r'href="/docs/([^"#?]+)#a-(\d+)"', html)
    annotation = db.session.get(Annotation, int(note.group(2)))
    assert annotation.document.slug == note.group(1)
    assert "security guarantees" in annotation.body.lower()


def test_tags_are_searched(seeded):
    ids = _note_ids("russiagate")
    assert ids and all("russiagate" in db.session.get(Annotation, i).tags for i in ids)


def test_drafts_deleted_and_orphaned_notes_are_never_found(seeded):
    document = _doc()
    draft = _note(document, "Putin", "Zanzibarish draft words", status="draft")
    deleted = _note(document, "Moscow", "Zanzibarish deleted words")
    delete_annotation(deleted)
    db.session.commit()
    assert _note_ids("zanzibarish") == []
    set_status(draft, "published")
    db.session.commit()
    assert _note_ids("zanzibarish") == [draft.id]
    restore_annotation(deleted)
    db.session.commit()
    assert sorted(_note_ids("zanzibarish")) == sorted([draft.id, deleted.id])
    set_status(draft, "draft")
    db.session.commit()
    assert _note_ids("zanzibarish") == [deleted.id]
    deleted.orphan, deleted.start, deleted.end = True, None, None
    db.session.commit()
    assert _note_ids("zanzibarish") == []


def test_the_index_follows_edits_revisions_and_deletions(seeded):
    document = _doc()
    note = _note(document, "Putin", "Quokka")
    assert _note_ids("quokka") == [note.id]
    update_annotation(note, {"body": "Wombat"})
    db.session.commit()
    assert _note_ids("quokka") == [] and _note_ids("wombat") == [note.id]
    assert document.slug not in _doc_slugs("platypus")
    revise_text(document, document.text + "\n\nA platypus paragraph.\n")
    db.session.commit()
    assert _doc_slugs("platypus") == [document.slug]
    fresh = create_document("Echidna title\n\nEchidna text.\n")
    db.session.commit()
    assert fresh.slug in _doc_slugs("echidna")
    db.session.delete(fresh)
    db.session.commit()
    assert _doc_slugs("echidna") == []


def test_a_rollback_leaves_the_index_as_it_was(seeded):
    document = _doc()
    _note(document, "Putin", "Narwhal")
    db.session.rollback()
    create_annotation(document, {"kind": "note", "body": "Narwhal two", "status": "published"})
    db.session.flush()
    db.session.rollback()
    assert _note_ids("narwhal") == [db.session.scalars(select(Annotation.id).where(
        Annotation.body == "Narwhal")).one()]


def test_snippets_escape_the_text_and_mark_only_matches(app, client):
    create_document("A <script>alert('x')</script> title\n\nSome <b>bold</b> & quokka words.\n")
    db.session.commit()
    html = client.get("/search?q=quokka").get_data(as_text=True)
    assert "<script>alert" not in html and "<b>bold</b>" not in html
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; <mark>quokka</mark>" in html


def test_stemming_prefixes_and_phrases(seeded):
    assert _doc_slugs("sanction")  # the texts say "sanctions"
    assert set(_doc_slugs("sanc*")) >= set(_doc_slugs("sanctions"))
    assert len(_doc_slugs('"red lines"')) <= len(_doc_slugs("red lines"))


def test_cyrillic_words_are_found(app):
    document = create_document("Заголовок\n\nКремль заявил о «красных линиях».\n")
    db.session.commit()
    assert _doc_slugs("кремль") == [document.slug]
    assert _doc_slugs("КРЕМЛЬ заявил") == [document.slug]
    hit = search("кремль").documents[0]
    assert "<mark>Кремль</mark>" in hit.snippets[0].html


@pytest.mark.parametrize("query", HOSTILE, ids=lambda q: repr(q[:24]))
def test_no_query_breaks_the_page(seeded, client, query):
    response = client.get("/search", query_string={"q": query})
    assert response.status_code == 200
    assert "<h1>Search</h1>" in response.get_data(as_text=True)


def test_a_very_long_query_is_answered(seeded, client):
    response = client.get("/search?q=" + quote("nato " * 2_000))
    assert response.status_code == 200
    assert "<mark>NATO</mark>" in response.get_data(as_text=True)


def test_an_empty_or_operator_only_query_finds_nothing_and_says_why(seeded, client):
    assert "Found in" not in client.get("/search").get_data(as_text=True)
    html = client.get("/search?q=" + quote("AND OR ( ) *")).get_data(as_text=True)
    assert "no words to search for" in html


def test_nothing_found_is_said(seeded, client):
    assert "Nothing found" in client.get("/search?q=xylophonic").get_data(as_text=True)


def test_the_header_has_a_search_box_on_every_page(seeded, client):
    for path in ("/", f"/docs/{_doc().slug}", "/stats", "/search?q=x"):
        html = client.get(path).get_data(as_text=True)
        assert re.search(r'<form class="site-search" role="search"[^>]*action="/search"', html), path
    html = client.get("/search?q=" + quote('"a" <b>')).get_data(as_text=True)
    assert 'value="&#34;a&#34; &lt;b&gt;"' in html or 'value="&quot;a&quot; &lt;b&gt;"' in html


def test_the_search_module_answers_alone(seeded):
    results = search("translation", limit=3)
    assert len(results.notes) == 3 and results.terms
    assert all(hit.annotation.visible for hit in results.notes)
    assert unescape(results.notes[0].html).lower().count("translat") >= 1
    assert len(search("", 5)) == 0
