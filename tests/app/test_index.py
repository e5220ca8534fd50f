"""The document index: pages, sorting, filters with their counts, kept counts, flat work."""

import re
import time
from datetime import date, timedelta

import pytest
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.pool import NullPool

from reader.catalog import PER_PAGE, forget_facet_counts, settle_facet_counts
from reader.counts import BLOCK, CORPUS_SLOTS, COUNT_COLUMNS, corpus_totals, fill_counts
from reader.extensions import db
from reader.models import Annotation, Document, DocumentCounts
from reader.services.annotations import create_annotation, delete_annotation, update_annotation
from reader.services.documents import create_document
from reader.views.api import MAX_SKIPPED
from tests.conftest import get_statements, ids_given, rows_skipped, sql_statements, using_postgres

TEXT = "A report\n\nThe minister spoke of grain and of ports. Then the envoy answered.\n"


def _bulk(n, notes=3, start=0):
    """``n`` documents of ``notes`` published notes each, inserted as rows (the triggers count)."""
    connection = db.session.connection()
    connection.execute(Document.__table__.insert(), [
        {"id": start + i + 1, "slug": f"doc-{start + i}", "title": f"Document {start + i:03d}",
         "text": TEXT, "outlet": ("Daily", "Weekly")[i % 2], "author": f"Author {i % 3}",
         "published_on": date(2024, 1, 1) + timedelta(days=start + i), "revision": 1}
        for i in range(n)])
    rows = [{"document_id": start + i + 1, "start": 15 + k, "end": 20 + k,
             "exact": TEXT[15 + k:20 + k], "kind": "factcheck" if k == 0 and i % 2 else "note",
             "verdict": "false" if k == 0 and i % 2 else None, "body": f"Note {k}",
             "body_html": f"<p>Note {k}</p>", "tags": [], "status": "published", "version": 1,
             "orphan": False, "anchor_state": "unchanged"}
            for i in range(n) for k in range(notes)]
    if rows:
        connection.execute(Annotation.__table__.insert(), rows)
    ids_given(connection, "documents")
    db.session.commit()


def _titles(html):
    return re.findall(r'<li class="doc-card">\s*<h2><a href="/docs/[^"]+">([^<]+)</a>', html)


def _get(client, path, status=200):
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code)
    return response.get_data(as_text=True)


# --- pages ----------------------------------------------------------------------------------

def test_the_index_is_paged_and_the_pages_link_each_other(app, client):
    _bulk(2 * PER_PAGE + 3)
    first = _get(client, "/")
    assert len(_titles(first)) == PER_PAGE
    assert f"1–{PER_PAGE} of {2 * PER_PAGE + 3} documents" in first
    assert 'rel="next" href="/?page=2"' in first and 'rel="prev"' not in first
    last = _get(client, "/?page=3")
    assert len(_titles(last)) == 3 and "Page 3 of 3" in last and 'rel="next"' not in last
    seen = _titles(first) + _titles(_get(client, "/?page=2")) + _titles(last)
    assert len(set(seen)) == 2 * PER_PAGE + 3, "no document twice, none left out"


@pytest.mark.parametrize("page", ["x", "0", "-1", "2.5", "9" * 40, "1e3"])
def test_a_bad_page_number_is_named_never_a_500(app, client, page):
    _bulk(3)
    html = _get(client, f"/?page={page}", status=400)
    assert "is not a page number" in html and len(_titles(html)) == 3


def test_a_page_past_the_last_says_how_many_there_are(app, client):
    _bulk(3)
    html = _get(client, "/?page=7", status=404)
    assert "There is no page 7: the 3 documents fill 1 page." in html
    assert 'href="/">Go to the last page' in html


@pytest.mark.parametrize("query, message", [
    ("from=yesterday", "From: “yesterday” is not a date"),
    ("to=2024-02-31", "To: “2024-02-31” is not a date"),
    ("from=2024-03-01&to=2024-01-01", "comes after the “to” date"),
    ("sort=random", "“random” is not a way to sort"),
])
def test_bad_dates_and_sorts_are_named_never_a_500(app, client, query, message):
    _bulk(3)
    html = _get(client, f"/?{query}", status=400)
    assert message in html and 'role="alert"' in html


# --- sorting and filters --------------------------------------------------------------------

def test_sorting_newest_title_and_most_annotated(app, client):
    _bulk(4)
    document = db.session.get(Document, 2)
    for k in range(5):
        create_annotation(document, {"kind": "note", "body": f"more {k}", "start": 2, "end": 8,
                                     "status": "published"})
    db.session.commit()
    assert _titles(_get(client, "/")) == ["Document 003", "Document 002", "Document 001",
                                          "Document 000"]
    assert _titles(_get(client, "/?sort=title")) == ["Document 000", "Document 001",
                                                     "Document 002", "Document 003"]
    assert _titles(_get(client, "/?sort=annotated"))[0] == "Document 001"


def test_filters_narrow_the_list_and_count_each_choice(app, client):
    _bulk(6)
    html = _get(client, "/")
    assert re.search(r'<option value="Daily">Daily \(3\)</option>', html)
    assert re.search(r'value="factcheck">.*?Fact check <span class="n">3</span>', html)
    assert re.search(r'value="false">False <span class="n">3</span>', html)
    weekly = _get(client, "/?outlet=Weekly")
    assert len(_titles(weekly)) == 3 and "matching the filters" in weekly
    # the other facets are counted within the outlet chosen; the outlets beside the others
    assert re.search(r'<option value="Daily">Daily \(3\)</option>', weekly)
    assert re.search(r'value="factcheck">.*?Fact check <span class="n">3</span>', weekly)
    assert _titles(_get(client, "/?kind=factcheck&sort=title")) == [
        "Document 001", "Document 003", "Document 005"]
    assert _titles(_get(client, "/?verdict=false&author=Author+0")) == ["Document 003"]
    dated = _get(client, "/?from=2024-01-02&to=2024-01-03&sort=title")
    assert _titles(dated) == ["Document 001", "Document 002"]
    none = _get(client, "/?outlet=Nobody")
    assert "No documents match these filters." in none and not _titles(none)


def _facet_numbers(html):
    """What the page says beside each filter value: (outlets, kinds and verdicts)."""
    return (re.findall(r'<option value="(\w+)">\1 \((\d+)\)</option>', html),
            re.findall(r'value="(\w+)">(?:<span[^>]*></span>)?[\w ]+ <span class="n">(\d+)<', html))


def test_a_large_corpus_is_counted_for_the_filters_after_the_request(app, client, monkeypatch,
                                                                      editor):
    import reader.catalog
    _bulk(2 * PER_PAGE + 2)
    # (another address than the one below: the page cache keeps this one)
    exact = _get(client, "/?kind=factcheck&sort=title&page=1")  # 32 documents, counted here
    assert _facet_numbers(exact)[1] and "of 16 documents matching the filters" in exact
    forget_facet_counts()
    monkeypatch.setattr(reader.catalog, "INLINE", 10)  # more than 10 take part: counted later
    with sql_statements() as sent:
        response = client.get("/?kind=factcheck&sort=title")
    later = response.get_data(as_text=True)
    assert response.status_code == 200 and "ETag" not in response.headers  # no cache keeps it
    assert not [s for s in sent if "GROUP BY" in s or "coalesce(sum(CASE" in s]  # none counted
    assert "1–15 of the documents matching the filters" in later
    assert "the numbers come in a moment" in later and _facet_numbers(later) == ([], [])
    assert _titles(later) == _titles(exact) and 'rel="next" href="/?sort=title&amp;kind=' in later
    assert "Page 1<" in later
    response.close()  # the answer sent: the thread counts now
    for _ in range(100):
        counted = client.get("/?kind=factcheck&sort=title")
        if "ETag" in counted.headers:
            break
        time.sleep(0.1)
    assert "ETag" in counted.headers
    assert _facet_numbers(counted.get_data(as_text=True)) == _facet_numbers(exact)
    # a write: the earlier counts meanwhile, not kept by any cache, then the new ones
    create_annotation(db.session.get(Document, 1), {
        "kind": "factcheck", "verdict": "misleading", "body": "New", "start": 2, "end": 8,
        "status": "published"}, editor)
    db.session.commit()
    stale = client.get("/?kind=factcheck&sort=title")
    assert "ETag" not in stale.headers and _facet_numbers(stale.get_data(as_text=True)) == \
        _facet_numbers(exact)
    settle_facet_counts()
    fresh = _get(client, "/?kind=factcheck&sort=title")
    assert "of 17 documents" in fresh and _facet_numbers(fresh) != _facet_numbers(exact)
    assert _get(client, "/?kind=factcheck&sort=title&page=9", status=404)


def test_a_request_counts_for_the_filters_at_most_inline_documents(app, client, monkeypatch):
    import reader.catalog
    monkeypatch.setattr(reader.catalog, "INLINE", 100)

    def counted_here(path):
        forget_facet_counts()
        with sql_statements() as sent:
            _get(client, path)
        return [s for s in sent if "GROUP BY" in s]
    _bulk(20)
    assert counted_here("/?kind=note&outlet=Daily")  # 20 documents take part
    _bulk(300, start=20)
    assert not counted_here("/?kind=note&outlet=Daily")  # 320: after the request
    assert counted_here("/?kind=note&outlet=Daily&from=2024-01-01&to=2024-02-15")  # 46
    settle_facet_counts()


def test_filters_are_kept_across_pages(app, client):
    _bulk(2 * PER_PAGE + 2)
    html = _get(client, "/?outlet=Daily&kind=note&sort=title")
    link = re.search(r'rel="next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert set(link.split("?")[1].split("&")) == {"outlet=Daily", "kind=note", "sort=title",
                                                  "page=2"}
    second = _get(client, link)
    assert 'name="outlet"' in second and '<option value="Daily" selected>' in second
    assert 'value="note" checked' in second and '<option value="title" selected>' in second


def test_the_form_works_without_scripts(app, client):
    _bulk(2)
    html = _get(client, "/")
    form = re.search(r'<form method="get" action="/" class="index-form".*?</form>', html, re.S)
    assert form and '<button type="submit"' in form.group(0)
    for name in ("sort", "outlet", "author", "from", "to", "kind", "verdict"):
        assert f'name="{name}"' in form.group(0)


def test_hostile_values_are_harmless(app, client):
    _bulk(2)
    html = _get(client, "/?outlet=" + "<script>x</script>" * 50 + "&kind=bogus&verdict=nope")
    assert "<script>x" not in html and "No documents match these filters." in html
    assert _get(client, "/?author=%F0%9F%98%80" + "a" * 10_000, status=200)


# --- counts kept correct --------------------------------------------------------------------

def _corpus():
    corpus = corpus_totals()
    return tuple(getattr(corpus, name) for name in COUNT_COLUMNS)


def _recounted():
    """The kept counts, and the same counts worked out afresh from the rows."""
    columns = ", ".join(("document_id", *COUNT_COLUMNS))
    documents = text(f"SELECT {columns} FROM document_counts WHERE document_id > 0 ORDER BY 1")
    kept = db.session.execute(documents).all() + [_corpus()]
    sources = db.session.execute(text("SELECT * FROM source_counts WHERE citations > 0"
                                      " ORDER BY 1")).all()
    positions = text("SELECT block, SUM(published) FROM annotation_positions GROUP BY block"
                     " HAVING SUM(published) <> 0 ORDER BY block")
    kept_positions = db.session.execute(positions).all()
    fill_counts(db.session.connection())
    fresh = db.session.execute(documents).all() + [_corpus()]
    fresh_sources = db.session.execute(text("SELECT * FROM source_counts WHERE citations > 0"
                                            " ORDER BY 1")).all()
    fresh_positions = db.session.execute(positions).all()
    db.session.rollback()
    return (kept, sources, kept_positions), (fresh, fresh_sources, fresh_positions)


def test_counts_follow_every_write(app, client, editor):
    _bulk(3)
    document = create_document(TEXT, {"title": "Fresh", "outlet": "Daily"})
    db.session.commit()
    html = _get(client, "/?sort=title")
    assert "4 documents" in html.replace("1–4 of ", "")
    note = create_annotation(document, {"kind": "factcheck", "verdict": "misleading",
                                        "body": "Hm", "start": 2, "end": 8,
                                        "status": "published"}, editor)
    create_annotation(document, {"kind": "note", "body": "draft", "start": 2, "end": 8}, editor)
    db.session.commit()
    kept, fresh = _recounted()
    assert kept == fresh
    html = _get(client, "/?verdict=misleading")
    assert _titles(html) == ["Fresh"]
    assert re.search(r'value="misleading" checked>Misleading <span class="n">1<', html)
    update_annotation(note, {"kind": "note", "verdict": None}, editor)
    db.session.commit()
    assert "No documents match" in _get(client, "/?verdict=misleading")
    assert db.session.get(DocumentCounts, document.id).kind_note == 1
    delete_annotation(note, editor, reason="Withdrawn in a test")
    db.session.commit()
    assert db.session.get(DocumentCounts, document.id).notes == 0
    kept, fresh = _recounted()
    assert kept == fresh


def test_counts_follow_writes_through_the_api(seeded, client, token):
    kept, fresh = _recounted()
    assert kept == fresh, "the seeds' import is counted"
    slug = db.session.scalars(select(Document.slug)).first()
    body = {"@context": "http://www.w3.org/ns/anno.jsonld", "type": "Annotation",
            "motivation": "commenting", "body": {"type": "TextualBody", "value": "New"},
            "target": {"source": f"http://localhost/docs/{slug}",
                       "selector": {"type": "TextPositionSelector", "start": 0, "end": 4}}}
    headers = {"Authorization": f"Bearer {token}"}
    created = client.post("/annotations/", json=body, headers=headers)
    assert created.status_code == 201
    kept, fresh = _recounted()
    assert kept == fresh
    location = created.headers["Location"]
    etag = client.get(location, headers=headers).headers["ETag"]
    assert client.delete(location + "?reason=Withdrawn+in+a+test", headers={**headers, "If-Match": etag}).status_code == 204
    kept, fresh = _recounted()
    assert kept == fresh


@pytest.mark.skipif(not using_postgres(), reason="SQLite has one writer at a time anyway")
def test_writers_publishing_notes_at_once_do_not_wait_for_each_other(app):
    _bulk(2, notes=0)
    before = corpus_totals()
    db.session.rollback()
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], poolclass=NullPool)
    writers, slots = [], set()
    try:
        while len(writers) < 2:  # two connections whose backends write different corpus rows
            connection = engine.connect()
            slot = connection.execute(text(f"SELECT pg_backend_pid() % {CORPUS_SLOTS}")).scalar()
            if slot in slots:
                connection.close()
                continue
            slots.add(slot)
            writers.append(connection)
        for n, connection in enumerate(writers, start=1):
            connection.rollback()
            # waiting for the other writer's row would fail here instead of hanging
            connection.execute(text("SET LOCAL lock_timeout = '5s'"))
            connection.execute(Annotation.__table__.insert(), {
                "document_id": n, "start": 15, "end": 20, "exact": TEXT[15:20],
                "kind": "factcheck", "verdict": "false", "body": f"Writer {n}",
                "body_html": f"<p>Writer {n}</p>", "tags": [], "status": "published",
                "version": 1, "orphan": False, "anchor_state": "unchanged"})
        # neither has committed: readers see the counts as they were
        assert corpus_totals().published == before.published
        db.session.rollback()
        writers[0].commit()
        middle = corpus_totals()
        db.session.rollback()
        writers[1].commit()
        after = corpus_totals()
    finally:
        for connection in writers:
            connection.close()
        engine.dispose()
    assert (middle.published, after.published) == (before.published + 1, before.published + 2)
    assert after.verdict_false == before.verdict_false + 2
    assert before.changes < middle.changes < after.changes
    assert after.changed_at >= middle.changed_at
    assert [db.session.get(DocumentCounts, n).notes for n in (1, 2)] == [1, 1]
    kept, fresh = _recounted()
    assert kept == fresh



@pytest.mark.skipif(not using_postgres(), reason="SQLite has one writer at a time anyway")
def test_writers_to_one_document_wait_for_each_other_only_at_the_commit(app):
    # the counts row of a document is taken at the commit (a deferred trigger), so a
    # writer whose transaction is still open does not hold up the next one to publish
    _bulk(1, notes=0)
    before = db.session.get(DocumentCounts, 1).notes
    db.session.rollback()
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], poolclass=NullPool)
    first, second = engine.connect(), engine.connect()
    try:
        for n, connection in enumerate((first, second), start=1):
            connection.execute(text("SET LOCAL lock_timeout = '5s'"))
            connection.execute(Annotation.__table__.insert(), {
                "document_id": 1, "start": 15, "end": 20, "exact": TEXT[15:20],
                "kind": "note", "body": f"Writer {n}", "body_html": f"<p>Writer {n}</p>",
                "tags": [], "status": "published", "version": 1, "orphan": False,
                "anchor_state": "unchanged"})
        second.commit()  # the first is still open: with the trigger at the INSERT, a lock timeout
        assert db.session.get(DocumentCounts, 1).notes == before + 1
        db.session.rollback()
        first.commit()
    finally:
        first.close()
        second.close()
        engine.dispose()
    assert db.session.get(DocumentCounts, 1).notes == before + 2
    kept, fresh = _recounted()
    assert kept == fresh

def test_the_container_total_and_last_page_match_a_count(app, client):
    _bulk(30, notes=4)
    app.config["PAGE_SIZE"] = 7
    ids = db.session.scalars(select(Annotation.id).where(Annotation.status == "published")
                             .order_by(Annotation.id)).all()
    data = client.get("/annotations/?iris=1").get_json()
    assert data["total"] == len(ids) == 120
    last = client.get(data["last"].replace("http://localhost", "")).get_json()
    assert [int(i.rsplit("/", 1)[1]) for i in last["items"]] == ids[119 // 7 * 7:]
    later = client.get("/annotations/?iris=1&page=12").get_json()
    assert [int(i.rsplit("/", 1)[1]) for i in later["items"]] == ids[84:91]


def _offsets(client, path):
    """The rows each SQL statement of a GET of ``path`` skips (its OFFSET), and the answer."""
    with rows_skipped() as skipped:
        response = client.get(path)
    assert response.status_code == 200, path
    return skipped, response.get_json()


def _gaps(editor, drafts, withdrawn, removed, contexts=slice(0)):
    """Make gaps in the published notes, taken in id order: ``drafts`` back to draft,
    ``withdrawn`` deleted by ``editor``, ``removed`` gone from the table, ``contexts`` of
    another kind."""
    notes = db.session.scalars(select(Annotation).order_by(Annotation.id)).all()
    for note in notes[contexts]:
        note.kind = "context"
    for note in notes[drafts]:
        note.status = "draft"
    for note in notes[withdrawn]:
        delete_annotation(note, editor, reason="Withdrawn in a test")
    for note in notes[removed]:
        db.session.delete(note)
    db.session.commit()


def test_every_container_page_is_found_without_skipping_the_pages_before(app, client, editor):
    _bulk(70, notes=50)  # 3,500 published notes: ids over four blocks of the kept positions
    # gaps before the middle: drafts, deletions, removed rows
    _gaps(editor, drafts=slice(5, 1500, 3), withdrawn=slice(1000, 1100), removed=slice(2000, 2050))
    app.config["PAGE_SIZE"] = 7
    ids = db.session.scalars(select(Annotation.id).where(
        Annotation.status == "published", Annotation.deleted_at.is_(None))
        .order_by(Annotation.id)).all()
    pages = -(-len(ids) // 7)
    for number in (1, 145, 146, pages // 2 - 1, pages // 2, pages - 2, pages - 1):
        skipped, page = _offsets(client, f"/annotations/?iris=1&page={number}")
        assert [int(i.rsplit("/", 1)[1]) for i in page["items"]] == ids[number * 7:number * 7 + 7]
        assert page["startIndex"] == number * 7
        assert skipped and max(skipped) < BLOCK, (number, skipped)  # never pages of rows
    # the same statements for a page near the start as for the deepest
    assert get_statements(client, "/annotations/?iris=1&page=1") == \
        get_statements(client, f"/annotations/?iris=1&page={pages // 2 - 1}")
    kept, fresh = _recounted()
    assert kept == fresh



def _filtered_corpus(editor):
    """3,500 notes, about 2,500 of them published notes (``?kind=note``) with gaps: other
    kinds, drafts, deletions, removed rows. Return the ids ``?kind=note`` lists, in order."""
    _bulk(70, notes=50)
    _gaps(editor, drafts=slice(5, 1500, 7), withdrawn=slice(1000, 1040), removed=slice(2000, 2030),
          contexts=slice(None, None, 4))
    return db.session.scalars(select(Annotation.id).where(
        Annotation.status == "published", Annotation.deleted_at.is_(None),
        Annotation.kind == "note").order_by(Annotation.id)).all()


def _ids(page):
    return [int(i.rsplit("/", 1)[1]) for i in page["items"]]


def _local(iri):
    return iri.replace("http://localhost", "")


def test_a_filtered_container_is_walked_by_its_links_without_skipping_rows(app, client,
                                                                         editor):
    ids = _filtered_corpus(editor)
    app.config["PAGE_SIZE"] = size = 50
    pages = -(-len(ids) // size)
    data = client.get("/annotations/?kind=note&iris=1").get_json()
    assert data["total"] == len(ids) and data["last"].endswith(f"page={pages - 1}")
    page, seen, walked, statements = data["first"], [], [], set()
    while True:
        number = len(walked)
        assert page["startIndex"] == number * size and _ids(page) == \
            ids[number * size:(number + 1) * size], number
        seen += _ids(page)
        walked.append(page["id"])
        if "next" not in page:
            break
        assert f"page={number + 1}&after={seen[-1]}" in page["next"]
        with sql_statements() as sent, rows_skipped() as skipped:
            response = client.get(_local(page["next"]))
        assert response.status_code == 200 and not any(skipped), page["next"]
        statements.add(len(sent))
        page = response.get_json()
    assert seen == ids and len(walked) == pages
    assert len(statements) == 1  # the second page costs what the deepest does
    # back from the last page by prev links: the same pages
    page = client.get(_local(data["last"])).get_json()
    assert _ids(page) == ids[(pages - 1) * size:]
    for number in range(pages - 2, -1, -1):
        with rows_skipped() as skipped:
            page = client.get(_local(page["prev"])).get_json()
        assert _ids(page) == ids[number * size:(number + 1) * size] and not any(skipped), number
    assert "prev" not in page and page["id"].endswith("?kind=note&iris=1&page=0")


def test_a_deep_filtered_page_by_number_alone_is_refused_with_the_numbers_that_work(
        app, client, editor):
    ids = _filtered_corpus(editor)
    app.config["PAGE_SIZE"] = size = 50
    pages = -(-len(ids) // size)
    head = MAX_SKIPPED // size  # pages from the start a number alone finds
    tail = -(-(len(ids) - MAX_SKIPPED) // size) - 1
    assert 0 < head < pages // 2 < tail < pages - 1
    for number in (0, 1, head, tail, pages - 2, pages - 1):  # near either end: as before
        with rows_skipped() as skipped:
            response = client.get(f"/annotations/?kind=note&iris=1&page={number}")
        assert response.status_code == 200, number
        assert _ids(response.get_json()) == ids[number * size:(number + 1) * size]
        assert max(skipped, default=0) <= MAX_SKIPPED
    for number in (head + 1, pages // 2, tail - 1):
        response = client.get(f"/annotations/?kind=note&iris=1&page={number}")
        assert response.status_code == 400, number
        detail = response.get_json()["detail"]
        assert f"page {number} is too deep" in detail, detail
        assert f"pages 0 to {head} and {tail} to {pages - 1}" in detail
        assert "follow the next links" in detail
    # the unfiltered container still finds every page by its number
    assert client.get(f"/annotations/?iris=1&page={pages // 2}").status_code == 200


def test_a_client_walking_a_filtered_container_misses_nothing_when_notes_go(app, client, editor):
    ids = _filtered_corpus(editor)
    app.config["PAGE_SIZE"] = size = 50
    first = client.get("/annotations/?kind=note&iris=1&page=0").get_json()
    second = client.get(_local(first["next"])).get_json()
    # meanwhile two notes of the pages already read are withdrawn
    for note in db.session.scalars(select(Annotation).where(Annotation.id.in_(ids[3:5]))):
        delete_annotation(note, editor, reason="Withdrawn in a test")
    db.session.commit()
    third = client.get(_local(second["next"])).get_json()
    assert _ids(third) == ids[2 * size:3 * size]  # the page after, neither repeated nor missed
    assert third["startIndex"] == 2 * size


@pytest.mark.parametrize("query, status", [
    ("page=2&after=x", 400), ("page=2&before=-1", 400), (f"page=2&after={2**40}", 400),
    ("after=5", 400), ("page=2&after=5&before=9", 400),
    (f"page=1&after={2**31 - 1}", 404), ("page=1&before=1", 404), ("page=999&after=1", 404),
])
def test_bad_page_edges_are_client_errors(app, client, seeded, query, status):
    response = client.get(f"/annotations/?kind=note&{query}")
    assert response.status_code == status, query
    assert set(response.get_json()) == {"error", "detail"}

# --- flat work ------------------------------------------------------------------------------

def _statements(client, path):
    engine = db.engine
    seen = []

    def count(*args):
        seen.append(args[2])
    forget_facet_counts()
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(seen), len(response.get_data())


def test_index_and_stats_do_the_same_work_for_10_and_200_documents(app, client):
    _bulk(10, notes=5)
    small = {path: _statements(client, path) for path in ("/", "/?page=1&sort=annotated", "/stats")}
    _bulk(190, notes=5, start=10)
    large = {path: _statements(client, path) for path in small}
    for path in small:
        assert small[path][0] == large[path][0], path
    assert large["/"][1] < 300_000
    assert len(re.findall(r"<tr><th scope=\"row\"><a href=\"/docs/", _get(client, "/stats"))) == 20


def test_stats_total_the_kept_counts_and_point_to_the_index(app, client):
    _bulk(3)
    html = _get(client, "/stats")
    assert 'href="/?sort=annotated"' in html
    assert '8 <span class="count-label">editorial notes</span>' in html
    assert '1 <span class="count-label">fact check</span>' in html


@pytest.mark.skipif(using_postgres(), reason="SQLite's FTS5 ranking; PostgreSQL ranks every match")
def test_search_ranks_the_newest_matches_of_a_common_word_and_says_so(app, client, monkeypatch):
    import reader.search
    _bulk(6)
    monkeypatch.setattr(reader.search, "WINDOW", 4)
    html = _get(client, "/search?q=grain")
    assert "the best of the newest are shown" in html
    found = re.findall(r'href="/docs/(doc-\d+)\?hl=', html)
    assert found and set(found) <= {"doc-2", "doc-3", "doc-4", "doc-5"}
    monkeypatch.setattr(reader.search, "WINDOW", 100)
    html = _get(client, "/search?q=grain")
    assert "the best of the newest" not in html
    assert set(re.findall(r'href="/docs/(doc-\d+)\?hl=', html)) == {f"doc-{i}" for i in range(6)}
