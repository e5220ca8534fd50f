"""Behaviour that must not depend on the database: the same on SQLite and PostgreSQL.

Run the suite with DATABASE_URL pointing at PostgreSQL to check the second; each test
here pins down a difference PostgreSQL showed (integer range, NULL order, ties,
sequences after explicit ids).
"""

import pytest
from sqlalchemy import func, select

from reader.config import MAX_ID
from reader.extensions import db
from reader.models import Annotation, Source
from reader.services.annotations import create_annotation, delete_annotation
from reader.services.documents import create_document
from reader.services.sources import create_source

TEXT = "Talks\n\nThe minister said the talks were constructive.\n"


@pytest.fixture
def doc(app):
    document = create_document(TEXT, {"title": "Talks"})
    db.session.commit()
    return document


def _note(document, word=None, **fields):
    span = {}
    if word is not None:
        start = document.text.index(word)
        span = {"start": start, "end": start + len(word), "exact": word}
    data = {"kind": "note", "body": "a note", "status": "published", **span, **fields}
    return create_annotation(document, data)


@pytest.mark.parametrize("path", [
    f"/sources/{MAX_ID + 1}",
    f"/sources/{MAX_ID}",
    "/sources/99999999999999999999999",
    f"/editor/api/annotations/{MAX_ID + 1}",
    f"/editor/annotations/{MAX_ID + 1}/history",
])
def test_ids_past_sql_integers_are_not_found_not_errors(editor_client, path):
    assert editor_client.get(path).status_code == 404


def test_a_source_id_past_sql_integers_is_a_validation_error(client, doc, token):
    start = TEXT.index("talks were")
    response = client.post("/editor/api/docs/talks/annotations", json={
        "kind": "context", "source_id": MAX_ID + 1, "relation": "verbatim",
        "start": start, "end": start + 5, "exact": "talks"},
        headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in (400, 422)
    assert "source" in response.get_data(as_text=True)


def test_source_page_lists_notes_without_a_span_first(client, doc):
    source = create_source({"title": "The speech"})
    db.session.flush()
    context = {"kind": "context", "source_id": source.id, "relation": "paraphrase"}
    on_words = _note(doc, "the talks", **context)
    on_document = _note(doc, **context)
    db.session.commit()
    page = client.get(f"/sources/{source.id}").get_data(as_text=True)
    assert f"a-{on_document.id}" in page and f"a-{on_words.id}" in page
    assert page.index(f"a-{on_document.id}") < page.index(f"a-{on_words.id}")


def test_deleted_notes_list_the_latest_first_within_one_second(editor_client, doc):
    first, second = _note(doc, "minister"), _note(doc, "talks")
    db.session.flush()
    delete_annotation(first)
    delete_annotation(second)
    second.deleted_at = first.deleted_at  # deleted within the same second
    db.session.commit()
    page = editor_client.get("/editor/deleted").get_data(as_text=True)
    assert page.index(f'id="deleted-{second.id}"') < page.index(f'id="deleted-{first.id}"')


def test_new_rows_after_an_import_with_explicit_ids_get_fresh_ids(seeded):
    highest = db.session.scalar(select(func.max(Annotation.id)))
    highest_source = db.session.scalar(select(func.max(Source.id)))
    document = db.session.scalars(select(Annotation)).first().document
    annotation = create_annotation(document, {"kind": "note", "body": "new"})
    source = create_source({"title": "A source after the import"})
    db.session.commit()  # an id the import used would fail here, on PostgreSQL
    assert annotation.id > highest and source.id > highest_source
