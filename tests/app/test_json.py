"""W3C JSON over HTTP and through the CLI: export, import, validation, round trips."""

import json
import subprocess
import sys

from sqlalchemy import func, select

from reader.extensions import db
from reader.models import Annotation, Document, Source
from reader.services.annotations import create_annotation
from reader.w3c import MEDIA_TYPE
from tests.conftest import BASE, SEED_ANNOTATIONS, W3C_VALIDATOR

def validate(path):
    """Run the W3C conformance validator on ``path``; return (exit code, output)."""
    done = subprocess.run([sys.executable, str(W3C_VALIDATOR), str(path)], capture_output=True,
                          text=True, check=False)
    return done.returncode, done.stdout + done.stderr


def test_document_json_is_a_valid_w3c_collection(seeded, client, tmp_path):
    document = db.session.scalars(select(Document).order_by(Document.id)).first()
    response = client.get(f"/docs/{document.slug}/annotations.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == MEDIA_TYPE
    data = response.get_json()
    assert data["type"] == "AnnotationCollection"
    assert data["total"] == len(data["first"]["items"]) > 0
    target = data["first"]["items"][0]["target"]
    source = target if isinstance(target, str) else target["source"]
    assert source == f"http://localhost/docs/{document.slug}"
    path = tmp_path / "doc.json"
    path.write_text(response.get_data(as_text=True))
    code, output = validate(path)
    assert code == 0, output
    assert " 0 failed" in output


def test_document_json_pages_link_to_each_other(app, client):
    app.config["PAGE_SIZE"] = 2
    from reader.services.documents import create_document
    document = create_document("alpha beta gamma delta epsilon\n", {"title": "Paged"})
    for word in ("alpha", "beta", "gamma", "delta", "epsilon"):
        start = document.text.index(word)
        create_annotation(document, {"kind": "note", "body": word, "status": "published",
                                     "start": start, "end": start + len(word), "exact": word})
    db.session.commit()
    data = client.get("/docs/paged/annotations.json").get_json()
    assert data["total"] == 5 and len(data["first"]["items"]) == 2
    ids = [int(item["id"].rsplit("/", 1)[1]) for item in data["first"]["items"]]
    # the next page seeks from the last note of this one
    assert data["first"]["next"].endswith(f"/docs/paged/annotations.json?page=1&after={ids[-1]}")
    assert data["last"].endswith("?page=2")
    page = client.get("/docs/paged/annotations.json?page=2").get_json()
    assert page["type"] == "AnnotationPage" and page["startIndex"] == 4
    assert [item["body"][0]["value"] for item in page["items"]] == ["epsilon"]
    middle = client.get(data["first"]["next"].replace("http://localhost", "")).get_json()
    assert [item["body"][0]["value"] for item in middle["items"]] == ["gamma", "delta"]
    assert middle["startIndex"] == 2 and middle["prev"].endswith("annotations.json?page=0")
    later = client.get(middle["next"].replace("http://localhost", "")).get_json()
    assert later["items"] == page["items"] and "next" not in later
    assert client.get("/docs/paged/annotations.json?page=3").status_code == 404
    bad = client.get("/docs/paged/annotations.json?page=x")
    assert bad.status_code == 400 and bad.get_json()["error"] == "Bad Request"
    assert client.get("/docs/nope/annotations.json").status_code == 404


def test_cli_export_passes_the_w3c_validator(seeded, runner, tmp_path):
    out = tmp_path / "export.json"
    result = runner.invoke(args=["annotations", "export", "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    published = db.session.scalar(select(func.count()).select_from(Annotation).where(
        Annotation.status == "published", Annotation.deleted_at.is_(None)))
    assert data["total"] == len(data["first"]["items"]) == published
    code, output = validate(out)
    assert code == 0, output


def test_export_then_import_into_an_empty_database_restores_every_field(
        seeded, runner, tmp_path, app):
    from tests.unit_helpers import annotation_fields
    out = tmp_path / "export.json"
    assert runner.invoke(args=["annotations", "export", "--include-drafts", "-o", str(out)]).exit_code == 0
    before = annotation_fields()
    db.session.execute(Annotation.__table__.delete().where(Annotation.id > 0))
    db.session.execute(Source.__table__.delete())
    db.session.commit()
    result = runner.invoke(args=["annotations", "import", str(out)])
    assert result.exit_code == 0, result.output
    assert f"{len(before)} created" in result.output
    assert annotation_fields() == before


def test_importing_the_same_file_twice_creates_no_duplicates(seeded, runner):
    count = db.session.scalar(select(func.count()).select_from(Annotation))
    result = runner.invoke(args=["annotations", "import", str(SEED_ANNOTATIONS)])
    assert result.exit_code == 0, result.output
    assert "0 created" in result.output
    assert db.session.scalar(select(func.count()).select_from(Annotation)) == count


def test_import_is_all_or_nothing_and_names_each_bad_item(seeded, runner, tmp_path):
    doc = db.session.scalars(select(Document).order_by(Document.id)).first()
    iri = f"{BASE}/docs/{doc.slug}"
    exact = doc.text[10:30]
    items = [
        _plain(iri, exact, 10, 30),                                  # good
        _plain(f"{BASE}/docs/no-such-doc", exact, 10, 30),           # unknown document
        _plain(iri, "words that are nowhere in the text", 3, 9),     # quote not found
        {"type": "Annotation", "target": iri, "motivation": "assessing",
         "bodyValue": "x", "ar:verdict": "maybe"},                   # unknown verdict
    ]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(items))
    count = db.session.scalar(select(func.count()).select_from(Annotation))
    result = runner.invoke(args=["annotations", "import", str(path)])
    assert result.exit_code != 0
    assert "item 1: there is no document 'no-such-doc'" in result.output
    assert "item 2: the quote" in result.output
    assert "item 3:" in result.output and "verdict" in result.output
    assert "item 0" not in result.output
    assert db.session.scalar(select(func.count()).select_from(Annotation)) == count


def test_a_moved_position_is_placed_by_its_quote(seeded, runner, tmp_path):
    doc = db.session.scalars(select(Document).order_by(Document.id)).first()
    exact = doc.text[200:230]
    item = _plain(f"https://elsewhere.example/docs/{doc.slug}", exact, 0, 30)
    item["id"] = "https://elsewhere.example/anno/7"
    path = tmp_path / "moved.json"
    path.write_text(json.dumps(item))
    assert runner.invoke(args=["annotations", "import", str(path)]).exit_code == 0
    stored = db.session.scalars(select(Annotation).filter_by(via=item["id"])).one()
    assert (stored.start, stored.end, stored.status) == (200, 230, "published")
    again = runner.invoke(args=["annotations", "import", str(path)])
    assert "0 created" in again.output and "1 unchanged" in again.output


def test_import_rejects_files_that_are_not_json(runner, tmp_path):
    path = tmp_path / "x.json"
    path.write_text("{not json")
    result = runner.invoke(args=["annotations", "import", str(path)])
    assert result.exit_code != 0 and "not valid JSON" in result.output


def _plain(iri, exact, start, end):
    return {"@context": "http://www.w3.org/ns/anno.jsonld", "type": "Annotation",
            "bodyValue": "A plain W3C comment.",
            "target": {"source": iri, "selector": [
                {"type": "TextQuoteSelector", "exact": exact},
                {"type": "TextPositionSelector", "start": start, "end": end}]}}
