"""Hostile requests get a clear answer, and the work they cause stays bounded (counts and sizes)."""

import re

import pytest
from sqlalchemy import select

from reader.text.anchoring import FUZZY_BUDGET
from reader.text.diffs import DIFF_BUDGET
from reader.extensions import db
from reader.models import Annotation
from reader.services.annotations import create_annotation
from reader.services.documents import create_document
from reader.text.canonical import MAX_QUOTE_CONTEXT, QUOTE_CONTEXT
from tests.conftest import csrf_token
from tests.hostile import count_weighing, long_lines

TEXT = ("A title\n\n" + "The claims were absurd, the spokesman said. " * 40
        + "\n\nAt the end the spokesman said the claims were absurd.\n")
DOC = "http://localhost/docs/a-title"


@pytest.fixture
def doc(app):
    document = create_document(TEXT, {"title": "A title"})
    db.session.commit()
    return document


def _auth(token):
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/ld+json"}


def _quote_only(exact, prefix="", suffix=""):
    return {"type": "Annotation", "bodyValue": "Which claims?", "target": {
        "source": DOC, "selector": {"type": "TextQuoteSelector", "exact": exact,
                                    "prefix": prefix, "suffix": suffix}}}


def _nested(depth):
    return "[" * depth + "]" * depth


# --- a megabyte of context -----------------------------------------------------------------

def test_a_megabyte_prefix_is_trimmed_to_the_context_nearest_the_quote(client, doc, token):
    last = TEXT.rindex("the claims were absurd")
    prefix = "x" * 1_000_000 + TEXT[last - 40:last]
    response = client.post("/annotations/", json=_quote_only("the claims were absurd", prefix,
                                                              "s" * 1_000_000),
                           headers=_auth(token))
    assert response.status_code == 201, response.get_json()
    annotation = db.session.scalars(select(Annotation)).one()
    assert annotation.start == last  # the occurrence the nearest context names
    assert len(annotation.prefix) == QUOTE_CONTEXT  # stored as the server words it


def test_an_orphan_keeps_at_most_256_characters_of_context(client, doc, token):
    data = _quote_only("words no longer there", "p" * 500_000, "s" * 500_000)
    data["ar:orphan"] = True
    response = client.post("/annotations/", json=data, headers=_auth(token))
    assert response.status_code == 201, response.get_json()
    annotation = db.session.scalars(select(Annotation)).one()
    assert annotation.orphan
    assert len(annotation.prefix) == len(annotation.suffix) == MAX_QUOTE_CONTEXT


def test_a_quote_longer_than_the_document_gets_422(client, doc, token):
    response = client.post("/annotations/", json=_quote_only(TEXT + "more"), headers=_auth(token))
    assert response.status_code == 422
    assert "longer than the document" in response.get_json()["detail"]


def test_a_quote_too_common_to_place_gets_422_saying_what_to_send(app, client, token):
    create_document("A title\n\n" + "yes " * 12_000 + "\n", {"title": "A title"})
    db.session.commit()
    response = client.post("/annotations/", json=_quote_only("yes"), headers=_auth(token))
    assert response.status_code == 422
    assert "TextPositionSelector" in response.get_json()["detail"]
    assert db.session.scalars(select(Annotation)).first() is None


# --- JSON nested deeply --------------------------------------------------------------------

@pytest.mark.parametrize("depth", [400, 900, 50_000])
def test_deeply_nested_json_gets_a_json_400_from_the_api(client, doc, token, depth):
    for method, url in (("post", "/annotations/"), ("put", "/annotations/1")):
        body = '{"type": "Annotation", "target": "%s", "x": %s}' % (DOC, _nested(depth))
        headers = {**_auth(token), "If-Match": '"1-1"'}
        if method == "put":
            client.post("/annotations/", json=_quote_only("At the end"), headers=_auth(token))
        response = getattr(client, method)(url, data=body, headers=headers)
        assert response.status_code == 400, (method, response.get_data(as_text=True)[:200])
        assert response.is_json and "64 levels" in response.get_json()["detail"]


@pytest.mark.parametrize("depth", [400, 900, 50_000])
def test_deeply_nested_json_gets_a_json_400_from_the_editor(editor_client, doc, depth):
    token = csrf_token(editor_client, "/docs/a-title")
    body = '{"kind": "note", "body": "x", "tags": %s}' % _nested(depth)
    for url in ("/editor/api/docs/a-title/annotations", "/editor/api/preview"):
        response = editor_client.post(url, data=body, content_type="application/json",
                                      headers={"X-CSRFToken": token})
        assert response.status_code == 400, (url, response.get_data(as_text=True)[:200])
        assert response.is_json and "64 levels" in response.get_json()["detail"]
    assert db.session.scalars(select(Annotation)).first() is None


# --- search ----------------------------------------------------------------------------------

def test_searching_a_text_of_one_repeated_word_answers_a_small_page(app, client):
    normal = client.get("/search?q=word")
    create_document("Word upon word\n\n" + "word " * 200_000 + "\n")
    create_document("Words\n\nA short text with a word in it.\n")
    db.session.commit()
    response = client.get("/search?q=word")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "word-upon-word" in html and "/docs/words" in html
    # three small snippets for the long text, one for the short: not a megabyte of marks
    assert len(html) - len(normal.get_data(as_text=True)) < 12_000
    assert html.count("<mark>") < 250


def test_a_text_too_rich_in_words_for_one_postgresql_vector_is_stored_and_found(app, client):
    words = " ".join(f"w{n:x}q{n * 7919:x}z" for n in range(120_000))  # 2 MB of distinct words
    document = create_document("Rich\n\n" + words + " final\n")
    db.session.commit()
    assert client.get("/search?q=w0q0z").status_code == 200
    assert document.slug in client.get("/search?q=w0q0z").get_data(as_text=True)


# --- revising long lines -----------------------------------------------------------------------

def test_revising_long_lines_and_comparing_them_weigh_within_the_budgets(
        app, editor_client, monkeypatch):
    old, new, rng = long_lines(5, size=23_000, edits=40)
    document = create_document(old, {"title": "A title"})
    for k in range(40):
        start = rng.randrange(10, len(old) - 80)
        words = old[start:start + rng.randint(5, 60)]
        create_annotation(document, {"kind": "note", "body": f"note {k}", "status": "published",
                                     "start": start, "end": start + len(words), "exact": words})
    db.session.commit()
    weighed = count_weighing(monkeypatch)
    page = "/editor/docs/a-title/text"
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      editor_client.get(page).get_data(as_text=True)).group(1)
    response = editor_client.post(page, data={"csrf_token": token, "text": new})
    assert response.status_code == 302
    assert weighed["pairs"] <= DIFF_BUDGET + FUZZY_BUDGET
    db.session.expire_all()
    placed = db.session.scalars(select(Annotation).where(Annotation.orphan.is_(False))).all()
    assert len(placed) >= 36
    weighed["pairs"] = 0
    view = editor_client.get("/editor/docs/a-title/revisions?from=1&to=2")
    assert view.status_code == 200 and "<ins>" in view.get_data(as_text=True)
    assert weighed["pairs"] <= DIFF_BUDGET


# --- numbers and filters in URLs ----------------------------------------------------------------

@pytest.mark.parametrize("url, status", [
    ("/annotations/?page=" + "9" * 5_000, 404),  # int() refuses over 4,300 digits: was a 500
    ("/docs/a-title/annotations.json?page=" + "9" * 5_000, 404),
    ("/annotations/?page=" + "0" * 5_000, 200),
    ("/annotations/?source=" + "9" * 5_000, 400),
    ("/annotations/?tag=" + "a%_" * 3_000, 200),
])
def test_huge_numbers_and_filters_in_urls_get_a_clear_answer(client, doc, url, status):
    response = client.get(url)
    assert response.status_code == status and response.is_json


def test_a_tag_longer_than_any_tag_finds_nothing_without_a_search(client, doc, token):
    client.post("/annotations/", json=_quote_only("At the end"), headers=_auth(token))
    response = client.get("/annotations/?tag=" + "x" * 41)
    assert response.get_json()["total"] == 0


def test_a_flood_of_tags_is_refused_before_it_is_read(editor_client, doc):
    token = csrf_token(editor_client, "/docs/a-title")
    response = editor_client.post("/editor/api/docs/a-title/annotations", headers={
        "X-CSRFToken": token}, json={"kind": "note", "body": "x", "tags": "a," * 1_000_000})
    assert response.status_code == 422
    assert "at most 20 tags" in response.get_json()["fields"]["tags"]
