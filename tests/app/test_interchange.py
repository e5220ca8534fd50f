"""Interchange through the CLI and HTTP: foreign W3C annotations in and out unchanged, fact
checks without a verdict, partial imports, CSV for spreadsheets."""

import csv
import io
import json

import pytest
from sqlalchemy import func, select

from reader.extensions import db
from reader.models import Annotation
from reader.services.annotations import create_annotation, delete_annotation
from reader.services.discussion import add_reply
from reader.services.documents import create_document
from reader.services.users import add_user
from tests.app.test_json import validate
from tests.conftest import BASE, PASSWORD, csrf_token, login

TEXT = ("Talks in Geneva\n\nThe minister said the talks had failed. "
        "=cmd|' /C calc'!A0 was typed into the record.\n")
DOC = f"{BASE}/docs/talks-in-geneva"
ANNO = "http://www.w3.org/ns/anno.jsonld"


@pytest.fixture
def doc(app):
    document = create_document(TEXT, {"title": "Talks in Geneva",
                                       "source_url": "https://news.example/geneva"})
    db.session.commit()
    return document


def _target(exact, **context):
    start = TEXT.index(exact)
    return {"source": DOC, "selector": [
        {"type": "TextQuoteSelector", "exact": exact, **context},
        {"type": "TextPositionSelector", "start": start, "end": start + len(exact)}]}


FOREIGN = [
    {"@context": [ANNO, {"schema": "http://schema.org/"}], "id": "urn:uuid:0001",
     "type": "Annotation", "motivation": "questioning", "bodyValue": "Which talks?",
     "canonical": "urn:uuid:0001", "rights": "https://creativecommons.org/licenses/by/4.0/",
     "audience": {"type": "schema:Audience", "schema:audienceType": "editors"},
     "schema:keywords": "geneva", "target": _target("the talks")},
    {"@context": ANNO, "id": "http://other.example/anno/2", "type": "Annotation",
     "motivation": "assessing", "created": "2024-05-01T11:00:00+03:00",
     "body": [{"type": "TextualBody", "value": "Nobody said so on the record.",
               "language": "en", "format": "text/plain"},
              "http://example.org/transcript"],
     "target": [_target("the talks had failed"), "http://news.example/geneva"]},
    {"@context": ANNO, "id": "http://other.example/anno/3", "type": "Annotation",
     "motivation": "highlighting", "via": "http://first.example/h/3",
     "target": _target("minister")},
]


def _write(tmp_path, data, name="in.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    return path


def _export(runner, tmp_path, *args):
    out = tmp_path / "out.json"
    result = runner.invoke(args=["annotations", "export", "--include-drafts", "-o", str(out),
                                 *args])
    assert result.exit_code == 0, result.output
    return out


def test_foreign_annotations_leave_as_they_came_and_pass_the_w3c_suite(doc, runner, tmp_path):
    result = runner.invoke(args=["annotations", "import", str(_write(tmp_path, FOREIGN))])
    assert result.exit_code == 0, result.output
    assert "3 created" in result.output
    out = _export(runner, tmp_path)
    exported = {item.get("via") if isinstance(item.get("via"), str) else item["via"][0]: item
                for item in json.loads(out.read_text())["first"]["items"]}
    first, second, third = (exported[a["id"]] for a in FOREIGN)
    for key in ("motivation", "bodyValue", "canonical", "rights", "audience", "schema:keywords"):
        assert first[key] == FOREIGN[0][key], key
    assert {"schema": "http://schema.org/"} in first["@context"]
    assert second["motivation"] == "assessing" and "ar:verdict" not in second
    assert second["body"] == FOREIGN[1]["body"] and second["created"] == FOREIGN[1]["created"]
    assert second["target"][1] == "http://news.example/geneva"
    assert third["motivation"] == "highlighting" and "body" not in third
    assert third["via"] == ["http://other.example/anno/3", "http://first.example/h/3"]
    code, output = validate(out)
    assert code == 0, output
    # imported again: matched by via, nothing duplicated, nothing changed
    again = runner.invoke(args=["annotations", "import", str(_write(tmp_path, FOREIGN))])
    assert "0 created, 0 updated, 3 unchanged" in again.output


def test_the_cli_import_matches_documents_by_path_whatever_the_host(doc, runner, tmp_path):
    item = dict(FOREIGN[2], target={**_target("minister"),
                                    "source": "https://old-instance.example/docs/talks-in-geneva"})
    result = runner.invoke(args=["annotations", "import", str(_write(tmp_path, item))])
    assert result.exit_code == 0, result.output
    assert db.session.scalars(select(Annotation)).one().exact == "minister"


def test_a_fact_check_without_verdict_is_shown_as_such(doc, runner, tmp_path, client):
    runner.invoke(args=["annotations", "import", str(_write(tmp_path, FOREIGN[1]))])
    stored = db.session.scalars(select(Annotation)).one()
    assert (stored.kind, stored.verdict, stored.status) == ("factcheck", None, "published")
    page = client.get("/docs/talks-in-geneva").get_data(as_text=True)
    assert "No verdict yet" in page
    [review] = client.get("/docs/talks-in-geneva/claimreview.json").get_json()["@graph"]
    assert "reviewRating" not in review
    assert review["claimReviewed"] == "the talks had failed"


def client_page(app):
    return app.test_client().get("/docs/talks-in-geneva").get_data(as_text=True)


def test_editors_publish_an_imported_fact_check_without_inventing_a_verdict(
        app, doc, runner, tmp_path, editor_client):
    item = dict(FOREIGN[1], **{"ar:status": "draft"})
    runner.invoke(args=["annotations", "import", str(_write(tmp_path, item))])
    stored = db.session.scalars(select(Annotation)).one()
    token = csrf_token(editor_client, "/docs/talks-in-geneva")
    # an edit through the form still asks for one
    edit = editor_client.put(f"/editor/api/annotations/{stored.id}",
                             json={"version": stored.version, "body": "Edited."},
                             headers={"X-CSRFToken": token})
    assert edit.status_code == 422
    assert edit.get_json()["fields"]["verdict"].startswith("choose one of: Accurate")
    submitted = editor_client.post(f"/editor/api/annotations/{stored.id}/submit",
                                   json={"version": stored.version},
                                   headers={"X-CSRFToken": token})
    assert submitted.status_code == 200, submitted.get_json()
    add_user("frank", PASSWORD, "editor", "Frank Factchecker")
    db.session.commit()
    reviewer = app.test_client()
    login(reviewer, "frank")
    response = reviewer.post(f"/editor/api/annotations/{stored.id}/approve",
                             json={"version": submitted.get_json()["annotation"]["version"]},
                             headers={"X-CSRFToken": csrf_token(reviewer,
                                                                "/docs/talks-in-geneva")})
    assert response.status_code == 200, response.get_json()
    db.session.refresh(stored)
    assert (stored.status, stored.verdict) == ("published", None)
    assert "No verdict yet" in client_page(app)


def test_partial_imports_the_good_items_and_names_the_others(doc, runner, tmp_path):
    bad = dict(FOREIGN[2], id="http://other.example/anno/9",
               target={"source": DOC, "selector": {"type": "TextQuoteSelector",
                                                   "exact": "not in the text"}})
    path = _write(tmp_path, [FOREIGN[0], bad])
    refused = runner.invoke(args=["annotations", "import", str(path)])
    assert refused.exit_code != 0 and "--partial" in refused.output
    assert db.session.scalar(select(func.count()).select_from(Annotation)) == 0
    result = runner.invoke(args=["annotations", "import", "--partial", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 created" in result.output and "1 not imported" in result.output
    assert "item 1: the quote 'not in the text'" in result.output
    assert db.session.scalar(select(func.count()).select_from(Annotation)) == 1


def test_doc_is_refused_for_w3c_files(doc, runner, tmp_path):
    result = runner.invoke(args=["annotations", "import", "--doc", "talks-in-geneva",
                                 str(_write(tmp_path, FOREIGN))])
    assert result.exit_code != 0 and "--doc is for Hypothesis exports" in result.output


# --- CSV -------------------------------------------------------------------------------

@pytest.fixture
def notes(doc, editor):
    def span(words):
        start = TEXT.index(words)
        return {"start": start, "end": start + len(words), "exact": words}
    made = [
        create_annotation(doc, {"kind": "factcheck", "verdict": "false", "status": "published",
                                "body": "@SUM(1+1) and \"quotes\", commas\nand lines",
                                "tags": ["-minus", "geneva"], **span("the talks had failed")},
                          editor),
        create_annotation(doc, {"kind": "note", "status": "published", "body": "Typed?",
                                **span("=cmd|' /C calc'!A0")}, editor),
        create_annotation(doc, {"kind": "note", "status": "draft", "body": "A draft.",
                                **span("minister")}, editor),
        create_annotation(doc, {"kind": "note", "status": "published", "body": "Deleted.",
                                **span("record")}, editor),
    ]
    delete_annotation(made[3], editor, reason="Not about the text.")
    db.session.commit()
    return made


def _rows(text):
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def test_the_csv_of_a_document_has_one_safe_row_per_published_note(client, notes):
    response = client.get("/docs/talks-in-geneva/annotations.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "talks-in-geneva-notes.csv" in response.headers["Content-Disposition"]
    rows = _rows(response.get_data(as_text=True))
    assert [row["permalink"] for row in rows] == [
        f"http://localhost/docs/talks-in-geneva#a-{notes[0].id}",
        f"http://localhost/docs/talks-in-geneva#a-{notes[1].id}"]
    check, typed = rows
    assert check["note"] == "'@SUM(1+1) and \"quotes\", commas\nand lines"
    assert (check["kind"], check["verdict"], check["tags"]) == ("Fact check", "False",
                                                                "'-minus, geneva")
    assert check["author"] == "Eddie Editor"
    assert typed["quote"] == "'=cmd|' /C calc'!A0"
    assert int(typed["start"]) == TEXT.index("=cmd")
    assert client.get("/docs/nope/annotations.csv").status_code == 404


def test_the_document_page_links_its_csv(client, notes):
    assert 'href="/docs/talks-in-geneva/annotations.csv"' in client.get(
        "/docs/talks-in-geneva").get_data(as_text=True)


def test_cli_csv_export_with_drafts_for_one_document(runner, notes, tmp_path):
    out = tmp_path / "notes.csv"
    result = runner.invoke(args=["annotations", "export", "--format", "csv", "--doc",
                                 "talks-in-geneva", "--include-drafts", "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = _rows(out.read_text("utf-8"))
    assert [row["status"] for row in rows] == ["published", "published", "draft"]
    assert rows[0]["permalink"] == f"{BASE}/docs/talks-in-geneva#a-{notes[0].id}"


def test_exports_name_editors_as_readers_see_them_and_hold_comments_only_with_drafts(
        client, runner, doc, editor, tmp_path):
    quiet = add_user("quiet.login", PASSWORD, "editor")  # no display name: "Editor <N>"
    words = "the talks had failed"
    start = TEXT.index(words)
    note = create_annotation(doc, {"kind": "note", "status": "published", "body": "Says who?",
                                   "start": start, "end": start + len(words), "exact": words},
                             quiet)
    add_reply(note, "Asked the desk, @eddie.", quiet)
    db.session.commit()
    shown = f"Editor {quiet.id}"
    outputs = {}
    for name, args in {"json": [], "drafts": ["--include-drafts"], "csv": ["--format", "csv"],
                       "csv-drafts": ["--format", "csv", "--include-drafts"]}.items():
        out = tmp_path / name
        assert runner.invoke(args=["annotations", "export", *args, "-o", str(out)]).exit_code == 0
        outputs[name] = out.read_text("utf-8")
    outputs["page csv"] = client.get("/docs/talks-in-geneva/annotations.csv").get_data(
        as_text=True)
    outputs["container"] = client.get("/annotations/").get_data(as_text=True)
    for name, text in outputs.items():
        assert shown in text, name
        assert "quiet.login" not in text, name
    for name in ("json", "csv", "page csv", "container"):
        assert "Asked the desk" not in outputs[name], name
    for name in ("drafts", "csv-drafts"):
        assert "Asked the desk" in outputs[name], name
    [comment] = [item for item in json.loads(outputs["drafts"])["first"]["items"]
                 if item["motivation"] == "replying"]
    assert comment["target"] == f"{BASE}/annotations/{note.id}"
    assert comment["creator"] == {"type": "Person", "name": shown}
