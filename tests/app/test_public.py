"""Reader pages through the test client: index, document pages, sources, 404s."""

import re
from html.parser import HTMLParser

import pytest
from markupsafe import escape
from sqlalchemy import select

from reader.extensions import db
from reader.models import Annotation, Document
from reader.services.annotations import create_annotation, delete_annotation
from tests.conftest import SEED_FILES


class DocTextParser(HTMLParser):
    """Collects the textContent of the [data-doc-text] element and its marks."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.text = []
        self.marks = []  # (ids, text)
        self.in_mark = None
        self.count = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "data-doc-text" in attrs:
            self.count += 1
            self.depth = 1
            return
        if self.depth:
            self.depth += 1
            if tag == "mark":
                self.in_mark = [attrs["data-annotations"], ""]

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1
            if tag == "mark" and self.in_mark:
                self.marks.append(tuple(self.in_mark))
                self.in_mark = None

    def handle_data(self, data):
        if self.depth:
            self.text.append(data)
            if self.in_mark is not None:
                self.in_mark[1] += data


def parse_page(html):
    parser = DocTextParser()
    parser.feed(html)
    return parser


def test_index_lists_every_document_with_counts(seeded, client):
    html = client.get("/").get_data(as_text=True)
    for document in db.session.scalars(select(Document)):
        assert f'href="/docs/{document.slug}"' in html
    assert "Rt.com" in html
    assert re.search(r"\d+ <span class=\"count-label\">fact check", html)


@pytest.mark.parametrize("seed", SEED_FILES, ids=lambda p: p.name)
def test_document_page_keeps_the_text_contract(seeded, client, seed):
    document = db.session.scalars(select(Document).filter_by(source_file=seed.name)).one()
    response = client.get(f"/docs/{document.slug}")
    assert response.status_code == 200
    page = parse_page(response.get_data(as_text=True))
    assert page.count == 1
    assert "".join(page.text) == document.text
    assert page.marks, "the seed annotations are highlighted"


def test_every_published_note_is_in_the_html_with_its_permalink_id(seeded, client):
    document = db.session.scalars(select(Document).filter_by(source_file=SEED_FILES[0].name)).one()
    html = client.get(f"/docs/{document.slug}").get_data(as_text=True)
    published = db.session.scalars(select(Annotation).filter_by(
        document_id=document.id, status="published", deleted_at=None)).all()
    assert published
    for annotation in published:
        assert f'id="a-{annotation.id}"' in html
        if annotation.start is not None:
            assert re.search(rf'data-annotations="[^"]*\b{annotation.id}\b', html)


def test_overlapping_annotations_give_flat_runs_listing_both(app, client):
    document = _doc(app, "One two three four five.\n\nSix seven eight.\n")
    a = create_annotation(document, {"kind": "note", "body": "outer", "status": "published",
                                     "start": 0, "end": 13, "exact": "One two three"})
    b = create_annotation(document, {"kind": "note", "body": "inner", "status": "published",
                                     "start": 4, "end": 30, "exact": document.text[4:30]})
    db.session.commit()
    page = parse_page(client.get(f"/docs/{document.slug}").get_data(as_text=True))
    assert page.marks[0] == (str(a.id), "One ")
    assert page.marks[1] == (f"{a.id} {b.id}", "two three")
    covered = "".join(text for ids, text in page.marks if str(b.id) in ids.split())
    assert covered == document.text[4:30]  # the paragraph break is marked too


def test_readers_never_see_drafts_or_deleted_notes(app, client):
    document = _doc(app, "A claim worth checking.\n")
    draft = create_annotation(document, {"kind": "note", "body": "secret draft",
                                         "start": 2, "end": 7, "exact": "claim"})
    gone = create_annotation(document, {"kind": "note", "body": "deleted note",
                                        "status": "published", "start": 8, "end": 13,
                                        "exact": "worth"})
    delete_annotation(gone)
    db.session.commit()
    html = client.get(f"/docs/{document.slug}").get_data(as_text=True)
    assert "secret draft" not in html and "deleted note" not in html
    assert "<mark" not in html
    assert client.get(f"/annotations/{draft.id}").status_code == 404
    assert client.get(f"/annotations/{gone.id}").status_code == 404


def test_note_body_is_rendered_markdown_without_scripts(app, client):
    document = _doc(app, "Some words here.\n")
    create_annotation(document, {
        "kind": "note", "status": "published", "start": 0, "end": 4, "exact": "Some",
        "body": "**bold** [link](https://example.com) <script>alert(1)</script>"
                "[x](javascript:alert(2)) <img src=x onerror=alert(3)>",
    })
    db.session.commit()
    html = client.get(f"/docs/{document.slug}").get_data(as_text=True)
    assert "<strong>bold</strong>" in html
    assert 'href="https://example.com" rel="nofollow"' in html
    assert "<script>alert" not in html and "onerror" not in html
    # CommonMark leaves a javascript: link as text; no element carries it
    assert 'href="javascript:' not in html and "[x](javascript:alert(2))" in html


def test_unknown_slug_gets_a_real_404_page(client):
    response = client.get("/docs/no-such-document")
    assert response.status_code == 404
    assert "Not found" in response.get_data(as_text=True)


def test_source_page_lists_every_citing_span(seeded, client):
    # every citing annotation: rows without ORDER BY come in another order on PostgreSQL
    annotations = db.session.scalars(
        select(Annotation).where(Annotation.source_id.is_not(None),
                                 Annotation.status == "published")
        .order_by(Annotation.id)).all()
    assert annotations
    for annotation in annotations:
        html = client.get(f"/sources/{annotation.source_id}").get_data(as_text=True)
        assert str(escape(annotation.source.title)) in html  # "Russia's" is "Russia&#39;s"
        assert f"#a-{annotation.id}" in html
    assert client.get("/sources/99999").status_code == 404


def _doc(app, text):
    from reader.services.documents import create_document
    document = create_document(text, {"title": "Test document"})
    db.session.commit()
    return document
