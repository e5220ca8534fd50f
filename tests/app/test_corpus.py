"""The whole corpus out and back: corpus export, then corpus import into an empty instance,
gives an instance whose exports are byte for byte the same."""

import json

import pytest
from sqlalchemy import func, select

from reader.extensions import db
from reader.models import (
    Annotation, Assignment, AuditEvent, Document, DocumentRevision, Mention, Source, SourceRevision, User,
)
from reader.services.annotations import (
    create_annotation, delete_annotation, restore_annotation, update_annotation,
)
from reader.services.assignments import assign, mark_done, reassign
from reader.services.discussion import add_reply
from reader.services.documents import revise_text
from reader.services.review import approve, create_note, edit_note, request_changes, submit
from reader.services.sources import create_source, merge_sources
from reader.services.users import add_user, disable_user, issue_token
from tests.app.test_interchange import FOREIGN
from tests.conftest import PASSWORD, fresh_database, login


@pytest.fixture
def corpus(seeded, editor, admin, runner, tmp_path):
    """The seeds plus every kind of thing a corpus holds: revised texts (with an orphan),
    drafts, deleted and restored notes with their histories, a fact check without verdict,
    foreign annotations with kept parts, a disabled account with a token, a source merged
    into a newer one, a published fact check with a change awaiting review, one sent back,
    editors' comments (a thread) with a mention."""
    document = db.session.scalars(select(Document).order_by(Document.id)).first()
    text = document.text
    words = text[200:240]
    note = create_annotation(document, {"kind": "note", "status": "draft", "body": "Draft.",
                                        "tags": ["later"], "start": 200, "end": 240,
                                        "exact": words}, editor)
    update_annotation(note, {"body": "Draft, edited.", "status": "published"}, admin)
    create_annotation(document, {"kind": "context", "status": "draft", "body": "Still a draft.",
                                 "relation": "paraphrase", "start": 250, "end": 270,
                                 "exact": text[250:270],
                                 "source": {"title": "Interview", "speaker": "A minister",
                                            "occurred_on": "2021-11-18"}}, editor)
    gone = create_annotation(document, {"kind": "note", "status": "published", "body": "Gone.",
                                        "start": 300, "end": 320, "exact": text[300:320]}, editor)
    delete_annotation(gone, editor, reason="Not about the text.")
    back = create_annotation(document, {"kind": "factcheck", "verdict": "false",
                                        "status": "published", "body": "Back.", "start": 400,
                                        "end": 420, "exact": text[400:420]}, editor)
    delete_annotation(back, editor, reason="Checked too early.")
    restore_annotation(back, admin)
    revise_text(document, text.replace(text[300:320], "") + "\nA closing line.\n", editor,
                note="cut a sentence")
    revise_text(document, document.text + "\nAnother line.\n", admin)
    # review: a published fact check (approved by another editor) with a change awaiting
    # review, and a draft one sent back with a comment
    checked = create_note(document, {"kind": "factcheck", "verdict": "misleading",
                                     "status": "review", "body": "Approved evidence.",
                                     "start": 500, "end": 530,
                                     "exact": document.text[500:530]}, editor)
    approve(checked, admin)
    edit_note(checked, {"body": "Proposed evidence.", "verdict": "false", "status": "review"},
              editor)
    sent_back = create_note(document, {"kind": "factcheck", "verdict": "accurate",
                                       "status": "draft", "body": "Thin evidence.",
                                       "start": 540, "end": 560,
                                       "exact": document.text[540:560]}, editor)
    submit(sent_back, editor)
    request_changes(sent_back, admin, "Which report?")
    # discussion under the note: a comment naming @eddie, and an answer to it
    comment = add_reply(checked, "Is the **date** right, @eddie?", admin)
    add_reply(comment, "Yes: see the transcript.", editor)
    # assignments: one open, one done, one handed over
    assign(checked, "eddie", "Check the date again.", admin)
    mark_done(assign(document, "eddie", "Annotate the second half.", admin), editor)
    reassign(assign(sent_back, "eddie", "Review this.", editor), "ada", "Over to you.", editor)
    # sources: the draft's source merged into a newer one
    older = db.session.scalars(select(Source).filter_by(title="Interview")).one()
    newer = create_source({"title": "Interview, full transcript", "speaker": "A minister"},
                          admin)
    db.session.flush()
    merge_sources(older, newer, admin)
    quitter = add_user("quitter", PASSWORD, "editor", "Left the desk")
    issue_token(quitter, "old script")
    disable_user(quitter, admin)  # in the audit log
    db.session.commit()
    # foreign annotations with parts kept to write them back (on the whole document here:
    # their words are another document's), and a fact check without a verdict
    iri = f"http://localhost/docs/{document.slug}"
    foreign = [dict(FOREIGN[0], target=iri), dict(FOREIGN[2], target=iri),
               {"@context": "http://www.w3.org/ns/anno.jsonld", "type": "Annotation",
                "id": "http://other.example/anno/77", "motivation": "assessing",
                "bodyValue": "Unverified so far.", "target": iri}]
    path = tmp_path / "foreign.json"
    path.write_text(json.dumps(foreign))
    assert runner.invoke(args=["annotations", "import", str(path)]).exit_code == 0
    return document


def _corpus_export(runner, path):
    result = runner.invoke(args=["corpus", "export", "-o", str(path)])
    assert result.exit_code == 0, result.output
    return path.read_bytes()


def _invoke(other, *args, **kwargs):
    """Run a command of the app ``other`` (inside its own context: the test holds another)."""
    with other.app_context():
        return other.test_cli_runner().invoke(args=list(args), **kwargs)


@pytest.fixture
def empty_instance(make_app, tmp_path):
    """Yield a function making a new app on a new, empty database (and its CLI runner)."""
    made = []

    def make(name):
        context = fresh_database(tmp_path, name)
        url = context.__enter__()
        made.append(context)
        other = make_app(DATABASE_URL=url)
        with other.app_context():
            db.create_all()
            db.session.remove()
        return other
    yield make
    for other in made:
        other.__exit__(None, None, None)


def test_a_corpus_moves_to_an_empty_instance_without_a_byte_of_difference(
        corpus, runner, tmp_path, empty_instance, app):
    exported = _corpus_export(runner, tmp_path / "a.jsonl")
    # no secrets, nothing tied to this instance's sessions, no HTML to trust from a file
    for held_back in (b'"password_hash"', b'"session_generation"', b'"body_html"',
                      b'"token_hash"'):
        assert held_back not in exported
    w3c_a = tmp_path / "a.json"
    assert runner.invoke(args=["annotations", "export", "--include-drafts", "-o",
                               str(w3c_a)]).exit_code == 0
    other = empty_instance("corpus_b")
    result = _invoke(other, "corpus", "import", str(tmp_path / "a.jsonl"))
    assert result.exit_code == 0, result.output
    assert "users password NAME" in result.output
    assert _invoke(other, "corpus", "export", "-o", str(tmp_path / "b.jsonl")).exit_code == 0
    assert (tmp_path / "b.jsonl").read_bytes() == exported
    w3c_b = tmp_path / "b.json"
    assert _invoke(other, "annotations", "export", "--include-drafts", "-o",
                   str(w3c_b)).exit_code == 0
    assert w3c_b.read_bytes() == w3c_a.read_bytes()
    with other.app_context():
        _check_what_moved(app_counts=_counts_of(app))


def _counts_of(app):
    with app.app_context():
        return _counts()


def _counts():
    return {
        "documents": db.session.scalar(select(func.count()).select_from(Document)),
        "revisions": db.session.scalar(select(func.count()).select_from(DocumentRevision)),
        "annotations": db.session.scalar(select(func.count()).select_from(Annotation)),
        "deleted": db.session.scalar(select(func.count()).select_from(Annotation).where(
            Annotation.deleted_at.is_not(None))),
        "drafts": db.session.scalar(select(func.count()).select_from(Annotation).where(
            Annotation.status == "draft")),
        "orphans": db.session.scalar(select(func.count()).select_from(Annotation).where(
            Annotation.orphan.is_(True))),
        "kept": db.session.scalar(select(func.count()).select_from(Annotation).where(
            Annotation.extra.is_not(None))),
        "kinds": sorted(set(db.session.scalars(select(Annotation.kind)))),
        "pending": sorted(db.session.scalars(select(Annotation.pending_status).where(
            Annotation.pending_status.is_not(None)))),
        "sent back": db.session.scalar(select(func.count()).select_from(Annotation).where(
            Annotation.changes_requested_at.is_not(None))),
        "replies": sorted(db.session.execute(select(Annotation.id, Annotation.reply_to_id).where(
            Annotation.reply_to_id.is_not(None))).all()),
        "mentions": sorted(db.session.execute(select(Mention.annotation_id, Mention.user_id))
                           .all()),
        "assignments": sorted(db.session.execute(select(
            Assignment.id, Assignment.document_id, Assignment.annotation_id, Assignment.assignee_id,
            Assignment.message, Assignment.done_at, Assignment.cancelled_at)).all()),
        "html": sorted(db.session.execute(select(Annotation.id, Annotation.body_html)).all()),
        "merged": sorted(db.session.execute(select(Source.id, Source.merged_into_id).where(
            Source.merged_into_id.is_not(None))).all()),
        "source revisions": db.session.scalar(
            select(func.count()).select_from(SourceRevision)),
        "audit": sorted(db.session.execute(select(AuditEvent.id, AuditEvent.action)).all()),
        "names": sorted(db.session.execute(select(User.name, User.display_name, User.role))
                        .all()),
    }


def _check_what_moved(app_counts):
    counts = _counts()
    assert counts == app_counts
    assert counts["deleted"] == 1 and counts["orphans"] >= 1 and counts["kept"] == 3
    assert counts["drafts"] >= 1
    assert counts["kinds"] == ["context", "factcheck", "note", "reply"]
    assert counts["pending"] == ["review"] and counts["sent back"] == 1
    # a comment, the answer to it, and the request sent back with the fact check
    assert len(counts["replies"]) == 3 and len(counts["mentions"]) == 1
    assert len(counts["merged"]) == 1 and counts["source revisions"] >= 3
    assert counts["audit"] and ("quitter", "Left the desk", "editor") in counts["names"]
    assert any("<strong>date</strong>" in html for _, html in counts["html"])
    checked = db.session.scalars(select(Annotation).where(
        Annotation.pending_status.is_not(None))).one()
    assert checked.status == "published" and checked.body == "Approved evidence."
    assert checked.pending["body"] == "Proposed evidence."
    assert counts["revisions"] > counts["documents"]
    quitter = db.session.scalars(select(User).filter_by(name="quitter")).one()
    assert quitter.disabled and quitter.password_hash == ""
    assert quitter.tokens == []  # API tokens are secrets: they stay behind


def test_moved_accounts_sign_in_once_given_a_password(corpus, runner, tmp_path, empty_instance):
    _corpus_export(runner, tmp_path / "a.jsonl")
    other = empty_instance("corpus_login")
    assert _invoke(other, "corpus", "import", str(tmp_path / "a.jsonl")).exit_code == 0
    with other.app_context():
        client = other.test_client()
        assert login(client).status_code != 302  # refused: no password yet
    result = _invoke(other, "users", "password", "eddie", "--password-stdin",
                     input="a new password\n")
    assert result.exit_code == 0, result.output
    with other.app_context():
        assert login(client, password="a new password").status_code == 302
        assert client.get("/account").status_code == 200


def test_corpus_import_needs_an_empty_instance(corpus, runner, tmp_path):
    _corpus_export(runner, tmp_path / "a.jsonl")
    before = _counts()
    result = runner.invoke(args=["corpus", "import", str(tmp_path / "a.jsonl")])
    assert result.exit_code != 0
    assert "needs an empty instance" in result.output and "nothing was imported" in result.output
    assert _counts() == before


@pytest.mark.parametrize("damage, message", [
    pytest.param(lambda lines: lines[:-3], "cut short", id="truncated"),
    pytest.param(lambda lines: [line.replace('"document_id":1,', '"document_id":999,', 1)
                                if line.startswith('{"annotation":') else line
                                for line in lines], "do not fit together", id="broken-reference"),
    pytest.param(lambda lines: [line.replace('"status":"published"', '"status":7', 1)
                                for line in lines], "is not text", id="wrong-type"),
])
def test_a_broken_corpus_file_imports_nothing(corpus, runner, tmp_path, empty_instance,
                                              damage, message):
    lines = _corpus_export(runner, tmp_path / "a.jsonl").decode().splitlines(keepends=True)
    (tmp_path / "bad.jsonl").write_text("".join(damage(lines)))
    other = empty_instance("corpus_bad")
    result = _invoke(other, "corpus", "import", str(tmp_path / "bad.jsonl"))
    assert result.exit_code != 0
    assert message in result.output and "nothing was imported" in result.output
    with other.app_context():
        assert _counts()["documents"] == 0 and _counts()["annotations"] == 0
