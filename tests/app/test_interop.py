"""The W3C Web Annotation Data Model's own examples, POSTed as the spec writes them.

Each example below is copied from the spec (https://www.w3.org/TR/annotation-model/;
the same JSON is in tests/w3c-annotation-tests/tools/samples/correct/annoN.json) with
one change: the target's ``source`` (``http://example.org/...``) is a seed document,
because the container only takes annotations on its own documents. Where a quote must be
found in that document, the words are adapted too, as each comment says. The container
must accept each (201) and give back an equivalent annotation: the same quote, the same
span in code points, its body exactly as it was sent (an IRI, ``bodyValue``, a language),
the motivation kept or mapped as docs/annotation-format.md says, and the spec's ``id``
kept as ``via``.
"""

import pytest
from sqlalchemy import select

from reader.extensions import db
from reader.models import Annotation, Document

# Seed 003 ("Putin rejects claims of ‘isolation’ …"): 8,239 code points, 8,337 UTF-8 bytes.
# Curly quotes and an ellipsis come before [412, 795), so byte or UTF-16 offsets there
# would not be code points.
SEED_FILE = "003_8961012ef578e7f0.txt"
DOC = "http://localhost/docs/putin-rejects-claims-of-isolation-and-urges-negotiations-with-west"

# The spec's TextQuoteSelector picks the misspelt "anotation" out of "this is an anotation
# that has some…". Seed 003 has no such words, so the quote is a word that occurs nine
# times in it ("isolation"), with a prefix and suffix of the same shape (the words next to
# it, spaces included) that pick one occurrence: "…accusations of self-imposed isolation
# from the international community."
EXACT, PREFIX, SUFFIX = "isolation", "self-imposed ", " from the"

# Example: Text Quote Selector (anno26), source and quote adapted.
TEXT_QUOTE = {
    "@context": "http://www.w3.org/ns/anno.jsonld",
    "id": "http://example.org/anno26",
    "type": "Annotation",
    "body": "http://example.org/comment1",
    "target": {
        "source": DOC,
        "selector": {
            "type": "TextQuoteSelector",
            "exact": EXACT,
            "prefix": PREFIX,
            "suffix": SUFFIX,
        },
    },
}

# Example: Text Position Selector (anno27), source adapted. It has no quote, so its
# numbers stay as the spec gives them: seed 003 is long enough for [412, 795) to be text.
TEXT_POSITION = {
    "@context": "http://www.w3.org/ns/anno.jsonld",
    "id": "http://example.org/anno27",
    "type": "Annotation",
    "body": "http://example.org/review1",
    "target": {
        "source": DOC,
        "selector": {
            "type": "TextPositionSelector",
            "start": 412,
            "end": 795,
        },
    },
}

# Example: String Body (anno6), target adapted: a note on the whole document.
BODY_VALUE = {
    "@context": "http://www.w3.org/ns/anno.jsonld",
    "id": "http://example.org/anno6",
    "type": "Annotation",
    "bodyValue": "Comment text",
    "target": DOC,
}

# Example: Embedded Textual Body (anno5), target adapted. The note shows the value (a
# note's body is Markdown, which takes HTML as it is); language and format are kept.
TEXTUAL_BODY = {
    "@context": "http://www.w3.org/ns/anno.jsonld",
    "id": "http://example.org/anno5",
    "type": "Annotation",
    "body": {
        "type": "TextualBody",
        "value": "<p>j'adore !</p>",
        "format": "text/html",
        "language": "fr",
    },
    "target": DOC,
}


def _selector_list(start, end):
    """The spec's two text selectors in a list, on a SpecificResource without refinedBy.

    With the motivation of Example: Motivation (anno17) and a TextualBody as in Example:
    Embedded Textual Body: the shape a browser anchoring library sends. It is
    tests/w3c-annotation-tests/examples/valid/comment-on-text-span.json (our own
    sample, body included) with the source and quote adapted like the others.
    """
    return {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "id": "http://example.org/anno/comment-1",
        "type": "Annotation",
        "motivation": "commenting",
        "body": {
            "type": "TextualBody",
            "value": "Typo: this should read 'annotation'.",
            "format": "text/plain",
            "language": "en",
        },
        "target": {
            "type": "SpecificResource",
            "source": DOC,
            "selector": [
                {"type": "TextQuoteSelector", "exact": EXACT, "prefix": PREFIX,
                 "suffix": SUFFIX},
                {"type": "TextPositionSelector", "start": start, "end": end},
            ],
        },
    }


@pytest.fixture
def text(seeded):
    """Seed 003's canonical text, as stored."""
    document = db.session.scalars(select(Document).filter_by(source_file=SEED_FILE)).one()
    assert f"http://localhost/docs/{document.slug}" == DOC
    return document.text


def _quote_start(text):
    """Where the adapted quote is: the one occurrence with that prefix and suffix."""
    start = text.index(PREFIX + EXACT + SUFFIX) + len(PREFIX)
    assert text[start:start + len(EXACT)] == EXACT
    assert text.index(EXACT) < start  # not the first occurrence: prefix and suffix decide
    return start


def _post_and_get(client, token, annotation):
    """POST ``annotation`` as it is; return the stored annotation as GET gives it back."""
    created = client.post("/annotations/", json=annotation, headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/ld+json"})
    assert created.status_code == 201, created.get_json()
    fetched = client.get(created.headers["Location"])
    assert fetched.status_code == 200
    data = fetched.get_json()
    assert data["via"] == annotation["id"]  # the spec's id is kept as a foreign IRI
    assert data["ar:status"] == "published"  # a plain W3C annotation is published
    assert data["motivation"] == "commenting"  # none, or commenting: an editorial note
    return data


def _selectors(data):
    """Return ``{type: selector}`` of a fetched annotation's target."""
    assert data["target"]["source"] == DOC
    return {selector["type"]: selector for selector in data["target"]["selector"]}


def test_text_quote_selector_example_is_placed_on_its_words(client, token, text):
    data = _post_and_get(client, token, TEXT_QUOTE)
    selectors = _selectors(data)
    quote, position = selectors["TextQuoteSelector"], selectors["TextPositionSelector"]
    assert quote["exact"] == EXACT
    assert quote["prefix"].endswith(PREFIX) and quote["suffix"].startswith(SUFFIX)
    assert (position["start"], position["end"]) == (_quote_start(text),
                                                    _quote_start(text) + len(EXACT))
    # an IRI body comes back as it was; the note shows it as a link
    assert data["body"] == "http://example.org/comment1"
    assert _stored_body() == "<http://example.org/comment1>"


def test_text_position_selector_example_keeps_its_code_points(client, token, text):
    data = _post_and_get(client, token, TEXT_POSITION)
    selectors = _selectors(data)
    assert selectors["TextPositionSelector"] == {"type": "TextPositionSelector",
                                                 "start": 412, "end": 795}
    assert selectors["TextQuoteSelector"]["exact"] == text[412:795]
    assert len(text[:795].encode("utf-8")) != 795  # bytes would have landed elsewhere
    assert data["body"] == "http://example.org/review1"


def test_body_value_example_is_a_note_on_the_whole_document(client, token, text):
    data = _post_and_get(client, token, BODY_VALUE)
    assert data["target"] == DOC
    assert data["bodyValue"] == "Comment text" and "body" not in data
    assert _stored_body() == "Comment text"


def test_textual_body_example_keeps_its_value(client, token, text):
    data = _post_and_get(client, token, TEXTUAL_BODY)
    assert data["target"] == DOC
    assert data["body"] == TEXTUAL_BODY["body"]  # language and format too
    assert _stored_body() == "<p>j'adore !</p>"


def test_selector_list_on_a_specific_resource_keeps_quote_and_span(client, token, text):
    start = _quote_start(text)
    data = _post_and_get(client, token, _selector_list(start, start + len(EXACT)))
    selectors = _selectors(data)
    assert selectors["TextQuoteSelector"]["exact"] == EXACT
    assert (selectors["TextPositionSelector"]["start"],
            selectors["TextPositionSelector"]["end"]) == (start, start + len(EXACT))
    assert data["target"]["type"] == "SpecificResource"
    assert data["body"] == _selector_list(0, 1)["body"]


def test_a_position_on_other_words_than_the_quote_is_refused_showing_both(client, token, text):
    # 412-421: the spec's TextPositionSelector start with the quote's length, as
    # comment-on-text-span.json has it; in seed 003 those are other words
    assert text[412:421] != EXACT
    response = client.post("/annotations/", json=_selector_list(412, 421), headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/ld+json"})
    assert response.status_code == 422
    detail = response.get_json()["detail"]
    assert repr(text[412:421]) in detail and repr(EXACT) in detail
    assert db.session.scalars(select(Annotation).filter_by(via="http://example.org/anno/comment-1")
                              ).first() is None  # nothing stored


def _stored_body():
    """The Markdown the one POSTed note shows readers."""
    return db.session.scalars(select(Annotation).order_by(Annotation.id.desc())).first().body
