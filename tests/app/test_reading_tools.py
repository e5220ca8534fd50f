"""Document page filters, density strips, /stats, and conditional GET for readers."""

import re
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from sqlalchemy import select

from reader.extensions import db
from reader.models import Annotation, Document, Source
from reader.services.annotations import create_annotation, update_annotation
from tests.app.test_public import parse_page
from tests.conftest import SEED_FILES, login


def _doc(seed=SEED_FILES[0]):
    return db.session.scalars(select(Document).filter_by(source_file=seed.name)).one()


def _notes(html):
    """{id: hidden?} of every note article on a page."""
    return {int(m.group(1)): " hidden" in m.group(0)
            for m in re.finditer(r'<article class="note[^"]*" id="a-(\d+)"[^>]*>', html)}


def _published(document):
    return db.session.scalars(select(Annotation).filter_by(
        document_id=document.id, status="published", deleted_at=None, orphan=False)).all()


# --- filters ------------------------------------------------------------------------------

def test_a_kind_filter_hides_the_other_notes_and_mutes_their_marks(seeded, client):
    document = _doc()
    html = client.get(f"/docs/{document.slug}?kind=factcheck").get_data(as_text=True)
    notes = _notes(html)
    kinds = {a.id: a.kind for a in _published(document)}
    assert set(notes) == set(kinds), "every published note stays in the HTML"
    assert {i for i, hidden in notes.items() if not hidden} == {
        i for i, k in kinds.items() if k == "factcheck"}
    page = parse_page(html)
    assert "".join(page.text) == document.text, "the text is never touched"
    for mark in re.finditer(r'<mark class="([^"]*)"[^>]*data-annotations="([^"]*)"', html):
        ids = [int(i) for i in mark.group(2).split()]
        assert ("is-filtered" in mark.group(1).split()) == all(kinds[i] != "factcheck" for i in ids)
    assert 'name="kind" value="factcheck" checked' in html
    assert re.search(r"\d+ of \d+ shown", html)


def test_filters_combine_tag_source_and_verdict(seeded, client):
    document = _doc()
    published = _published(document)
    tagged = next(a for a in published if a.tags)
    tag = tagged.tags[0]
    html = client.get(f"/docs/{document.slug}?tag={tag.upper()}").get_data(as_text=True)
    shown = {i for i, hidden in _notes(html).items() if not hidden}
    assert shown == {a.id for a in published if tag.casefold() in {t.casefold() for t in a.tags}}
    cited = next(a for a in published if a.source_id)
    html = client.get(f"/docs/{document.slug}?source={cited.source_id}&kind=context"
                      ).get_data(as_text=True)
    shown = {i for i, hidden in _notes(html).items() if not hidden}
    assert cited.id in shown and all(db.session.get(Annotation, i).source_id == cited.source_id
                                     for i in shown)
    checked = next(a for a in published if a.verdict)
    html = client.get(f"/docs/{document.slug}?verdict={checked.verdict}").get_data(as_text=True)
    shown = {i for i, hidden in _notes(html).items() if not hidden}
    assert checked.id in shown and all(db.session.get(Annotation, i).verdict == checked.verdict
                                       for i in shown)


@pytest.mark.parametrize("query", ["kind=nonsense", "tag=" + "x" * 5000, "source=abc",
                                   "verdict=%00", "kind=&tag=&source=", "kind=note&kind=note"])
def test_odd_filters_never_fail(seeded, client, query):
    response = client.get(f"/docs/{_doc().slug}?{query}")
    assert response.status_code == 200
    assert "".join(parse_page(response.get_data(as_text=True)).text) == _doc().text


def test_a_filter_matching_nothing_says_so(seeded, client):
    html = client.get(f"/docs/{_doc().slug}?kind=nonsense").get_data(as_text=True)
    assert not [i for i, hidden in _notes(html).items() if not hidden]
    assert re.search(r'<p class="no-notes">No notes match the filters.</p>', html)


def test_filter_options_list_what_the_document_has(seeded, client):
    document = _doc()
    html = client.get(f"/docs/{document.slug}").get_data(as_text=True)
    tags = {t.casefold() for a in _published(document) for t in a.tags}
    listed = set(re.findall(r'name="tag" value="([^"]+)"', html))
    assert listed == {t.replace("'", "&#39;") for t in tags}
    assert "<details class=\"filters\">" in html  # closed when nothing is chosen


def test_footnote_numbers_follow_the_shown_notes_in_text_order(seeded, client):
    document = _doc()
    html = client.get(f"/docs/{document.slug}?kind=context").get_data(as_text=True)
    # the notes number themselves (a print counter over the shown notes, in page order):
    # note k's number is on the last mark of its words
    margin = html[html.index('class="notes-slot"'):]
    shown = [i for i, hidden in _notes(margin).items() if not hidden]
    assert shown and len(shown) < len(_notes(margin))
    last_mark = {}
    numbers = {}
    for m in re.finditer(r'<mark ([^>]*)>', html):
        attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', m.group(1)))
        for i in attrs["data-annotations"].split():
            last_mark[int(i)] = attrs.get("data-fn", "").split()
        for n in attrs.get("data-fn", "").split():
            numbers[int(n)] = numbers.get(int(n), 0) + 1
    assert sorted(numbers) == list(range(1, len(shown) + 1)) and set(numbers.values()) == {1}
    assert all(str(k) in last_mark[i] for k, i in enumerate(shown, 1))


# --- pictures ------------------------------------------------------------------------------

def test_the_index_draws_a_strip_per_document_linking_to_notes(seeded, client):
    html = client.get("/").get_data(as_text=True)
    strips = re.findall(r'<svg class="strip strip-horizontal".*?</svg>', html, re.S)
    assert len(strips) == len(db.session.scalars(select(Document)).all())
    link = re.search(r'<a href="/docs/([^"#]+)#a-(\d+)"', strips[0])
    assert db.session.get(Annotation, int(link.group(2))).document.slug == link.group(1)
    assert "style=" not in "".join(strips)


def test_the_document_page_draws_a_strip_in_its_margin(seeded, client):
    document = _doc()
    html = client.get(f"/docs/{document.slug}").get_data(as_text=True)
    strip = re.search(r'<div class="strip-slot"><svg class="strip strip-vertical".*?</svg>', html,
                      re.S).group(0)
    linked = {int(i) for i in re.findall(r'href="#a-(\d+)"', strip)}
    assert linked and linked <= {a.id for a in _published(document)}
    for kind in {a.kind for a in _published(document) if a.start is not None}:
        assert f'class="k-{kind}"' in strip


def test_stats_draws_three_charts_without_style_attributes(seeded, client):
    response = client.get("/stats")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count('<svg class="chart"') == 3
    assert "style=" not in html
    assert re.search(r'<a href="/sources/\d+"><text class="chart-label"', html)
    for kind in ("note", "context", "factcheck"):
        assert f'class="bar k-{kind}"' in html
    assert "Misleading" in html or "Mostly accurate" in html
    assert 'href="/stats"' in client.get("/").get_data(as_text=True)


def test_stats_counts_only_published_notes(seeded, client):
    document = _doc()
    before = client.get("/stats").get_data(as_text=True)
    start = document.text.index("Putin")
    create_annotation(document, {"kind": "factcheck", "body": "x", "status": "draft",
                                 "verdict": "false", "start": start, "end": start + 5,
                                 "exact": "Putin"})
    db.session.commit()
    assert client.get("/stats").get_data(as_text=True) == before


def test_stats_with_no_data(app, client):
    html = client.get("/stats").get_data(as_text=True)
    assert "No published notes yet." in html


# --- conditional GET -------------------------------------------------------------------------

def test_a_readers_page_carries_validators_and_answers_304(seeded, client):
    path = f"/docs/{_doc().slug}"
    first = client.get(path)
    etag = first.headers["ETag"]
    assert etag.startswith('W/"') and first.headers["Last-Modified"]
    assert "no-cache" in first.headers["Cache-Control"] and "Cookie" in first.headers["Vary"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag
    since = client.get(path, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304
    other = client.get(path + "?kind=note", headers={"If-None-Match": etag})
    assert other.status_code == 200 and other.headers["ETag"] != etag


def test_an_edit_changes_the_validators(seeded, client):
    document = _doc()
    path = f"/docs/{document.slug}"
    etag = client.get(path).headers["ETag"]
    note = _published(document)[0]
    update_annotation(note, {"body": note.body + " More."})
    db.session.commit()
    response = client.get(path, headers={"If-None-Match": etag})
    assert response.status_code == 200 and response.headers["ETag"] != etag
    assert "More." in response.get_data(as_text=True)


def _validators(client, paths):
    return {path: (r.headers["ETag"], r.headers["Last-Modified"])
            for path in paths for r in [client.get(path)]}


def test_work_on_drafts_changes_no_readers_validator(seeded, editor_client):
    reader = seeded.test_client()
    document = _doc()
    paths = ["/", f"/docs/{document.slug}", "/stats"]
    before = _validators(reader, paths)
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      editor_client.get(f"/docs/{document.slug}").get_data(as_text=True)).group(1)
    headers = {"X-CSRFToken": token}
    created = editor_client.post(f"/editor/api/docs/{document.slug}/annotations", json={
        "kind": "context", "start": 10, "end": 30, "relation": "summary",
        "source": {"title": "A briefing nobody has seen"}}, headers=headers)
    assert created.status_code == 201
    draft = created.json["annotation"]
    edited = editor_client.put(f"/editor/api/annotations/{draft['id']}", json={
        "body": "Still a draft", "version": draft["version"]}, headers=headers)
    assert edited.status_code == 200
    deleted = editor_client.post(f"/editor/api/annotations/{draft['id']}/delete",
                                 json={"version": edited.json["annotation"]["version"]},
                                 headers=headers)
    assert deleted.status_code == 200
    assert _validators(reader, paths) == before
    for path, (etag, _) in before.items():
        assert reader.get(path, headers={"If-None-Match": etag}).status_code == 304, path


def test_unpublishing_a_note_moves_both_validators(seeded, client):
    document = _doc()
    path = f"/docs/{document.slug}"
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    for table in (Document, Annotation, Source):
        db.session.execute(table.__table__.update().values(modified_at=long_ago))
    db.session.commit()
    first = client.get(path)
    assert first.headers["Last-Modified"] == "Wed, 01 Jan 2020 00:00:00 GMT"
    note = _published(document)[0]
    db.session.refresh(note)
    update_annotation(note, {"status": "draft"})
    db.session.commit()
    since = client.get(path, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 200 and since.headers["ETag"] != first.headers["ETag"]
    assert f'id="a-{note.id}"' not in since.get_data(as_text=True)


def test_an_old_if_modified_since_gets_the_page(seeded, client):
    old = format_datetime(datetime.now(UTC) - timedelta(days=3650), usegmt=True)
    assert client.get(f"/docs/{_doc().slug}",
                      headers={"If-Modified-Since": old}).status_code == 200


def test_editors_never_get_validators_or_304(seeded, client, editor):
    path = f"/docs/{_doc().slug}"
    etag = client.get(path).headers["ETag"]
    login(client)
    response = client.get(path, headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert "ETag" not in response.headers and "Last-Modified" not in response.headers
    assert "no-store" in response.headers["Cache-Control"]


def test_index_and_stats_answer_304_too(seeded, client):
    for path in ("/", "/stats"):
        etag = client.get(path).headers["ETag"]
        assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
