"""Two reports side by side at /compare/<a>/<b>, and the document page's other reports."""

import re
from html import unescape

import pytest
from sqlalchemy import select

from reader.extensions import db
from reader.models import Annotation, Document, PassageMatch
from reader.services.documents import create_document, import_paths, revise_text
from reader.services.reports import other_reports, record_matches
from tests.conftest import SEEDS, sql_statements
from tests.unit.test_alignment import EDITOR_PAIR_COUNT, EDITOR_PAIRS, NOT_PAIRS

RT = "000_4407d142b209daaa.txt"
OTHER = "001_d4a3d1238127169d.txt"


def _doc(name):
    return db.session.scalars(select(Document).filter_by(source_file=name)).one()


def _pairs(html):
    """The ``data-pair`` texts of a page, spaces made plain (the seeds have no-break ones)."""
    return [" ".join(unescape(p).split()) for p in re.findall(r'data-pair="([^"]*)"', html)]


@pytest.fixture
def page(seeded, client):
    response = client.get(f"/compare/{_doc(RT).slug}/{_doc(OTHER).slug}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_each_aligned_pair_holds_both_passages_texts(page):
    pairs = _pairs(page)
    assert len(pairs) == EDITOR_PAIR_COUNT
    for phrase_a, phrase_b in EDITOR_PAIRS:
        assert [p for p in pairs if phrase_a in p and phrase_b in p], (phrase_a, phrase_b)
    for phrase_a, phrase_b in NOT_PAIRS:
        assert not [p for p in pairs if phrase_a in p and phrase_b in p], (phrase_a, phrase_b)


def test_the_pair_shows_the_first_report_first_and_marks_the_differing_words(page):
    [pair] = [p for p in _pairs(page) if "Belarusian" in p]
    assert pair.index("new pretext for tensions") < pair.index("new reason for tension")
    section = page[page.index("new pretext for tensions") - 3000:]
    assert '<mark class="differs">pretext</mark>' in section
    assert '<mark class="differs">reason</mark>' in section
    assert "in only one of the two tellings" in page  # the legend says what a mark means


def test_every_passage_of_both_reports_is_on_the_page_once(page, seeded):
    text = " ".join(unescape(re.sub(r"<[^>]+>", "", page)).split())
    for name in (RT, OTHER):
        for line in _doc(name).text.split("\n"):
            if line.strip():
                assert " ".join(line.split()) in text


def test_published_notes_and_their_sources_sit_beside_their_passages(page, seeded):
    published = db.session.scalars(select(Annotation).where(
        Annotation.document_id == _doc(RT).id, Annotation.status == "published",
        Annotation.deleted_at.is_(None), Annotation.reply_to_id.is_(None),
        Annotation.start.is_not(None))).all()
    assert published
    for note in published:
        assert f'href="/docs/{_doc(RT).slug}#a-{note.id}"' in page
        if note.source:
            assert f'href="/sources/{note.source.id}"' in page


def test_readers_do_not_see_drafts_or_replies(seeded, client):
    rt, other = _doc(RT), _doc(OTHER)
    start = rt.text.index("new pretext for tensions")
    draft = Annotation(document=rt, kind="note", body="Draft words nobody may read",
                       start=start, end=start + 11, exact="new pretext", status="draft")
    db.session.add(draft)
    db.session.flush()
    db.session.add(Annotation(document=rt, kind="note", body="A reply nobody may read",
                              start=start, end=start + 11, exact="new pretext",
                              status="published", reply_to_id=draft.id))
    db.session.commit()
    html = client.get(f"/compare/{rt.slug}/{other.slug}").get_data(as_text=True)
    assert "nobody may read" not in html


def test_unknown_documents_are_404_and_a_document_with_itself_goes_to_its_page(seeded, client):
    slug = _doc(RT).slug
    assert client.get(f"/compare/{slug}/no-such-document").status_code == 404
    assert client.get(f"/compare/no-such-document/{slug}").status_code == 404
    response = client.get(f"/compare/{slug}/{slug}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/docs/{slug}")


def test_the_document_page_links_every_other_report_to_the_comparison(seeded, client):
    rt, other = _doc(RT), _doc(OTHER)
    for here, there in ((rt, other), (other, rt)):
        html = client.get(f"/docs/{here.slug}").get_data(as_text=True)
        assert "Other reports of this statement" in html
        assert f'href="/compare/{here.slug}/{there.slug}"' in html
    lone = db.session.scalars(select(Document).filter_by(slug="foreign-policy-blogs")).one()
    assert "Other reports" not in client.get(f"/docs/{lone.slug}").get_data(as_text=True)


def test_the_other_reports_cost_one_query_however_many_documents_match(seeded):
    rt = _doc(RT)
    sentence = rt.text[rt.text.index("Western countries are using"):].split("\n")[0]
    for n in range(30):
        create_document(f"Report {n}\n\n{sentence}\n", {"title": f"Report {n}"})
    record_matches(db.session.scalars(select(Document)).all())
    db.session.commit()
    rt.slug  # loaded again after the commit, before counting
    with sql_statements() as statements:
        reports = other_reports(rt)
    assert len(reports) == 31 and len(statements) == 2, statements  # the rows, their documents
    assert not [s for s in statements if re.search(r"documents\.text\b", s)]


def test_matches_follow_a_revision_of_the_text(seeded, editor_client):
    rt, other = _doc(RT), _doc(OTHER)
    assert db.session.scalar(select(PassageMatch.id).filter_by(document_id=other.id, other_id=rt.id))
    page = editor_client.get(f"/editor/docs/{rt.slug}/text").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = editor_client.post(f"/editor/docs/{rt.slug}/text", data={
        "csrf_token": token, "text": "A short text about something else entirely.\n",
        "note": "replaced"})
    assert response.status_code == 302
    assert other_reports(other) == [] and other_reports(rt) == []


def test_reimporting_unchanged_files_keeps_the_matches(seeded):
    before = db.session.scalars(select(PassageMatch.id)).all()
    import_paths([SEEDS])
    db.session.commit()
    assert len(db.session.scalars(select(PassageMatch.id)).all()) == len(before) > 0


def test_a_changed_document_is_matched_with_a_few_candidates_not_the_corpus(seeded, monkeypatch):
    from reader.services import reports
    rt, other = _doc(RT), _doc(OTHER)
    for n in range(12):  # documents on other matters, alike in their common words
        create_document(f"Note {n}\n\nRussia and the West spoke of relations and of the "
                        f"future in meeting number {n}.\n", {"title": f"Note {n}"})
    db.session.flush()
    weighed = []
    real = reports.find_matches

    def find_matches(documents):
        documents = list(documents)
        weighed.append(len(documents))
        return real(documents)
    monkeypatch.setattr(reports, "find_matches", find_matches)
    monkeypatch.setattr(reports, "CANDIDATES", 3)
    record_matches([rt])
    assert weighed == [4]  # the document and three candidates
    assert [d.id for d, _ in other_reports(rt)] == [other.id]


def test_the_document_page_changes_its_etag_when_its_other_reports_change(seeded, client):
    rt = _doc(RT)
    etag = client.get(f"/docs/{rt.slug}").headers["ETag"]
    other = _doc(OTHER)
    revise_text(other, "A short text about something else entirely.\n")
    record_matches([other])
    db.session.commit()
    response = client.get(f"/docs/{rt.slug}", headers={"If-None-Match": etag})
    assert response.status_code == 200 and "Other reports" not in response.get_data(as_text=True)


def test_the_passages_the_editors_linked_as_one_translated_statement_are_pairs(page, seeded):
    """The seed notes cite one speech from both reports: each such pair of quotes is a row."""
    rt, other = _doc(RT), _doc(OTHER)
    cited = {}
    for note in db.session.scalars(select(Annotation).where(
            Annotation.document_id.in_([rt.id, other.id]), Annotation.relation == "translation")):
        cited.setdefault(note.source_id, {}).setdefault(note.document_id, []).append(note.exact)
    quotes = [(a, b) for both in cited.values()
              for a in both.get(rt.id, ()) for b in both.get(other.id, ())]
    pairs = _pairs(page)
    linked = [(a, b) for a, b in quotes
              if [p for p in pairs if " ".join(a.split()) in p and " ".join(b.split()) in p]]
    assert len(quotes) >= 9 and len(linked) == 3  # three statements, every pair of quotes


def test_the_comparison_answers_304_until_either_document_changes(seeded, client):
    rt, other = _doc(RT), _doc(OTHER)
    url = f"/compare/{rt.slug}/{other.slug}"
    etag = client.get(url).headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(f"/compare/{other.slug}/{rt.slug}").headers["ETag"] != etag
    note = db.session.scalars(select(Annotation).filter_by(
        document_id=other.id, status="published")).first()
    note.body += " Updated."
    db.session.commit()
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 200


def test_docs_match_works_the_matches_out_again_for_the_whole_corpus(seeded, runner, client):
    db.session.execute(PassageMatch.__table__.delete())
    db.session.commit()
    assert "Other reports" not in client.get(f"/docs/{_doc(RT).slug}").get_data(as_text=True)
    result = runner.invoke(args=["docs", "match"])
    assert result.exit_code == 0 and "matching sentence pair(s) stored" in result.output
    html = client.get(f"/docs/{_doc(RT).slug}").get_data(as_text=True)
    assert f'href="/compare/{_doc(RT).slug}/{_doc(OTHER).slug}"' in html


def test_texts_too_long_to_compare_get_a_page_that_says_so(seeded, client, monkeypatch):
    from reader.services import reports
    monkeypatch.setattr(reports, "MAX_COMPARED", 1_000)
    response = client.get(f"/compare/{_doc(RT).slug}/{_doc(OTHER).slug}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "too long to set side by side" in html
    assert "data-pair" not in html and f'href="/docs/{_doc(OTHER).slug}"' in html
