"""One statement across reports: suggestions on the page, linking both spans to one source."""

import re

from sqlalchemy import func, select

from reader import create_app
from reader.extensions import db
from reader.models import Annotation, Document, Source
from reader.services.documents import import_paths
from reader.services.related import corpus_matches, related_passages

RT = "000_4407d142b209daaa.txt"
OTHER = "001_d4a3d1238127169d.txt"


def _doc(name):
    return db.session.scalars(select(Document).filter_by(source_file=name)).one()


def test_the_belarus_passage_is_found_in_both_reports(seeded):
    passages = related_passages(_doc(RT))
    belarus = [p for p in passages if "Belarusian-Polish border" in p["here_text"]]
    assert belarus and belarus[0]["document"].source_file == OTHER
    assert "new reason for tension" in belarus[0]["there_text"]
    assert "new pretext for tensions" in belarus[0]["here_text"]
    wedge = [p for p in passages if "wedge between Moscow and Beijing" in p["here_text"]]
    assert wedge


def test_editors_see_suggestions_and_readers_do_not(seeded, editor_client, client):
    slug = _doc(RT).slug
    assert "also appears, reworded" in editor_client.get(f"/docs/{slug}").get_data(as_text=True)
    reader = seeded.test_client().get(f"/docs/{slug}").get_data(as_text=True)
    assert "also appears, reworded" not in reader


def test_one_action_links_both_spans_to_one_new_source(seeded, editor_client):
    rt, other = _doc(RT), _doc(OTHER)
    [passage] = [p for p in related_passages(rt) if "Belarusian-Polish" in p["here_text"]]
    page = editor_client.get(f"/docs/{rt.slug}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    sources_before = db.session.query(Source).count()
    response = editor_client.post(f"/editor/docs/{rt.slug}/link", data={
        "csrf_token": token, "start": passage["here"].start, "end": passage["here"].end,
        "other": other.slug, "other_start": passage["there"].start,
        "other_end": passage["there"].end, "source_title": "Remarks on the border crisis",
        "source_speaker": "Vladimir Putin", "source_date": "2021-11-18",
        "relation": "translation", "other_relation": "paraphrase"})
    assert response.status_code == 302 and "/sources/" in response.headers["Location"]
    assert db.session.query(Source).count() == sources_before + 1
    source = db.session.scalars(select(Source).filter_by(title="Remarks on the border crisis")).one()
    cites = db.session.scalars(select(Annotation).filter_by(source_id=source.id)).all()
    assert {(a.document_id, a.relation, a.status) for a in cites} == {
        (rt.id, "translation", "draft"), (other.id, "paraphrase", "draft")}
    html = editor_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Cited in 2 places" in html and "new reason for tension" in html


def test_linking_without_a_source_is_refused(seeded, editor_client):
    rt, other = _doc(RT), _doc(OTHER)
    page = editor_client.get(f"/docs/{rt.slug}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    count = db.session.query(Annotation).count()
    response = editor_client.post(f"/editor/docs/{rt.slug}/link", data={
        "csrf_token": token, "start": 0, "end": 5, "other": other.slug, "other_start": 0,
        "other_end": 5, "relation": "translation", "other_relation": "translation"})
    assert response.status_code == 422
    assert "pick a source or give a new one a title" in response.get_data(as_text=True)
    assert db.session.query(Annotation).count() == count


def test_matches_found_in_one_database_are_never_used_for_another(seeded, tmp_path):
    assert corpus_matches()  # worked out and kept for the seeds
    count = db.session.scalar(select(func.count(Document.id)))
    for n in range(count):  # as many documents, the same ids and revisions, no shared words
        (tmp_path / f"{n}.txt").write_text(f"Title {n}\n\n" + " ".join(
            f"w{n}x{i}" for i in range(60)) + ".\n")
    other = create_app({"TESTING": True, "SECRET_KEY": "test",
                        "DATABASE_URL": f"sqlite:///{tmp_path / 'other.sqlite'}"})
    with other.app_context():
        db.create_all()
        import_paths(sorted(tmp_path.glob("*.txt")))
        db.session.commit()
        assert corpus_matches() == []
        db.session.remove()
        db.engine.dispose()
