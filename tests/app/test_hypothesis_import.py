"""A newsroom's Hypothesis export lands on the right words (annotations import FILE)."""

import json

import pytest
from sqlalchemy import event, func, select

from reader.extensions import db
from reader.models import Annotation, Mention
from reader.services.documents import create_document
from tests.app.test_json import validate

STORY = ("Talks in Geneva end without agreement\n\n"
         "Officials said the talks in Geneva had ended without any agreement at all.\n"
         "The minister called the Western proposals \u201cunacceptable\u201d  and left early.\n"
         "A spokesman later said the door \u201cremains open\u201d.\n")
SPEECH = "Speech at the Board\n\nWe are not isolated, the president said.\n"
STORY_URL = "https://news.example/2024/geneva-talks"


def _selectors(exact, prefix, suffix, start):
    return [{"type": "RangeSelector", "startContainer": "/main[1]/p[2]", "startOffset": 0,
             "endContainer": "/main[1]/p[2]", "endOffset": len(exact)},
            {"type": "TextPositionSelector", "start": start, "end": start + len(exact)},
            {"type": "TextQuoteSelector", "exact": exact, "prefix": prefix, "suffix": suffix}]


def _annotation(ident, text="", tags=(), selectors=None, uri=STORY_URL, public=True, **extra):
    """One annotation in the Hypothesis API form, as the client's export writes it."""
    return {
        "id": ident, "created": "2024-03-01T09:30:05.531240+00:00",
        "updated": "2024-03-04T12:00:00.000000+00:00", "user": "acct:maria@hypothes.is",
        "uri": uri, "text": text, "tags": list(tags), "group": "__world__",
        "permissions": {"read": ["group:__world__" if public else "acct:maria@hypothes.is"],
                        "update": ["acct:maria@hypothes.is"],
                        "delete": ["acct:maria@hypothes.is"]},
        "target": [{"source": uri, **({"selector": selectors} if selectors else {})}],
        "document": {"title": ["Talks in Geneva end without agreement"]},
        "links": {"html": f"https://hypothes.is/a/{ident}",
                  "incontext": f"https://hyp.is/{ident}/news.example/2024/geneva-talks"},
        "user_info": {"display_name": "Maria Kuznetsova"}, "flagged": False, "hidden": False,
        **extra,
    }


def hypothesis_export(annotations):
    """A Hypothesis client JSON export holding ``annotations``."""
    return {"export_date": "2024-03-05T10:00:00.000Z", "export_userid": "acct:maria@hypothes.is",
            "client_version": "1.1528.0", "annotations": annotations}


ANNOTATIONS = [
    # the same words: positions count another page (menus, captions): 4,000 off
    _annotation("exact1", "Which officials?", ["geneva", "sources"],
                _selectors("the talks in Geneva", "Officials said ", " had ended", 4051)),
    # straight quote marks and one space where our text has curly ones and two spaces
    _annotation("marks2", "Loaded word.", [],
                _selectors('"unacceptable" and left', "proposals ", " early", 4120)),
    # the sentence was edited after Maria annotated it
    _annotation("edited3", "Was it open?", [],
                _selectors("said the door was still open", "spokesman later ", ".", 4170)),
    # a page note: no selector, on the whole story
    _annotation("page4", "Compare with the Kremlin transcript."),
    # words that are not in the story
    _annotation("gone5", "Missing.", [],
                _selectors("the ceasefire collapsed overnight", "Officials said ", ".", 4000)),
    # a page that is not one of our documents
    _annotation("elsewhere6", "Other site.", [],
                _selectors("anything", "", "", 10), uri="https://other.example/page"),
    # a reply to the first
    _annotation("reply7", "Two of them.", references=["exact1"]),
    # only Maria could read it there
    _annotation("private8", "Check before publishing.", [],
                _selectors("called the Western proposals", "minister ", " \u201cun", 4100),
                public=False),
]


@pytest.fixture
def story(app):
    document = create_document(STORY, {"title": "Talks in Geneva", "source_url": STORY_URL})
    create_document(SPEECH, {"title": "Speech at the Board"})
    db.session.commit()
    return document


def _run(runner, tmp_path, annotations, *options):
    path = tmp_path / "hypothesis.json"
    path.write_text(json.dumps(hypothesis_export(annotations), ensure_ascii=False), "utf-8")
    return runner.invoke(args=["annotations", "import", *options, str(path)])


def _count():
    return db.session.scalar(select(func.count()).select_from(Annotation))


def test_by_default_nothing_is_imported_when_some_cannot_be_placed(story, runner, tmp_path):
    result = _run(runner, tmp_path, ANNOTATIONS)
    assert result.exit_code != 0
    assert "2 of 8 annotation(s) could not be imported; nothing was imported" in result.output
    assert "https://hypothes.is/a/gone5: the quote 'the ceasefire collapsed overnight' " \
           "is not in talks-in-geneva" in result.output
    assert "https://hypothes.is/a/elsewhere6: no document has the address " \
           "https://other.example/page" in result.output
    assert _count() == 0


def test_partial_places_each_note_and_says_how(story, runner, tmp_path):
    result = _run(runner, tmp_path, ANNOTATIONS, "--partial")
    assert result.exit_code == 0, result.output
    for line in ("Hypothesis export: 8 annotation(s)", "3 placed exactly",
                 "1 placed on changed words", "1 on the whole document", "2 not found",
                 "https://hypothes.is/a/gone5", "https://hypothes.is/a/elsewhere6",
                 "5 created", "replies as comments under their notes: 1 created"):
        assert line in result.output, line
    assert "skipped" not in result.output
    placed = {a.via.rsplit("/", 1)[1]: a for a in db.session.scalars(
        select(Annotation).where(Annotation.kind != "reply"))}
    assert sorted(placed) == ["edited3", "exact1", "marks2", "page4", "private8"]
    exact = placed["exact1"]
    assert STORY[exact.start:exact.end] == exact.exact == "the talks in Geneva"
    assert (exact.kind, exact.body, exact.tags, exact.status) == (
        "note", "Which officials?", ["geneva", "sources"], "published")
    assert exact.creator_name == "Maria Kuznetsova" and exact.creator_id is None
    assert exact.created_at.isoformat() == "2024-03-01T09:30:05+00:00"
    assert exact.modified_at.isoformat() == "2024-03-04T12:00:00+00:00"
    assert placed["marks2"].exact == "\u201cunacceptable\u201d  and left"
    assert placed["edited3"].exact.startswith("said the door \u201cremains open")
    assert placed["edited3"].anchor_state == "fuzzy"
    assert placed["page4"].start is None and placed["page4"].body.startswith("Compare")
    assert placed["private8"].status == "draft"


def test_replies_become_the_discussion_under_their_note(story, runner, tmp_path, editor):
    thread = [
        _annotation("exact1", "Which officials?", [],
                    _selectors("the talks in Geneva", "Officials said ", " had ended", 4051)),
        # an answer to the reply comes first in the file: threads are put in order
        _annotation("answer9", "Thanks, @eddie will check.", references=["exact1", "reply7"]),
        _annotation("reply7", "Two **of** them.", references=["exact1"]),
        # its note is on another site: nothing to put it under
        _annotation("stray10", "Agreed.", references=["elsewhere6"]),
    ]
    result = _run(runner, tmp_path, thread)
    assert result.exit_code == 0, result.output
    assert "replies as comments under their notes: 2 created" in result.output
    assert "1 reply skipped" in result.output
    assert "https://hypothes.is/a/stray10: the annotation it answers " \
           "(https://hypothes.is/a/elsewhere6) is not here" in result.output
    by_via = {a.via.rsplit("/", 1)[1]: a for a in db.session.scalars(select(Annotation))}
    note, reply, answer = by_via["exact1"], by_via["reply7"], by_via["answer9"]
    assert "stray10" not in by_via
    assert (reply.kind, reply.reply_to_id, reply.document_id) == ("reply", note.id,
                                                                 note.document_id)
    assert (answer.kind, answer.reply_to_id) == ("reply", reply.id)
    assert reply.creator_name == "Maria Kuznetsova" and reply.creator_id is None
    assert reply.created_at.isoformat() == "2024-03-01T09:30:05+00:00"
    assert "<strong>of</strong>" in reply.body_html
    assert [m.user_id for m in db.session.scalars(select(Mention))] == [editor.id]
    # editors read the thread under the note; readers never see it
    reader = db.session.get(Annotation, note.id).document
    page = runner.app.test_client().get(f"/docs/{reader.slug}").get_data(as_text=True)
    assert "Which officials?" in page and "Two" not in page
    # importing again updates the comments, never duplicates them
    thread[2] = dict(thread[2], text="Two of them, both Swiss.")
    again = _run(runner, tmp_path, thread)
    assert "replies as comments under their notes: 0 created, 1 updated, 1 unchanged" \
        in again.output
    db.session.refresh(reply)
    assert reply.body == "Two of them, both Swiss." and _count() == 3
    kept = _run(runner, tmp_path, thread, "--only-new")
    assert "0 created, 0 updated, 0 unchanged, 2 kept as they are" in kept.output


def test_importing_the_same_export_again_duplicates_nothing(story, runner, tmp_path):
    _run(runner, tmp_path, ANNOTATIONS, "--partial")
    count = _count()
    again = _run(runner, tmp_path, ANNOTATIONS, "--partial")
    assert "0 created, 0 updated, 5 unchanged" in again.output
    assert _count() == count


def test_only_new_leaves_notes_an_editor_changed(story, runner, tmp_path):
    _run(runner, tmp_path, ANNOTATIONS, "--partial")
    note = db.session.scalars(select(Annotation).filter_by(
        via="https://hypothes.is/a/exact1")).one()
    note.body = "Which officials? (checked: the Swiss host's statement)"
    db.session.commit()
    result = _run(runner, tmp_path, ANNOTATIONS, "--partial", "--only-new")
    assert "0 created, 0 updated, 0 unchanged, 5 kept as they are" in result.output
    db.session.refresh(note)
    assert note.body.endswith("statement)")


def test_doc_puts_every_annotation_on_the_named_document(story, runner, tmp_path):
    note = _annotation("speech9", "Not what the transcript says.", ["isolation"],
                       _selectors("We are not isolated", "", ", the", 9000),
                       uri="https://mirror.example/speech.html")
    result = _run(runner, tmp_path, [note], "--doc", "speech-at-the-board")
    assert result.exit_code == 0, result.output
    stored = db.session.scalars(select(Annotation)).one()
    assert stored.document.slug == "speech-at-the-board" and stored.exact == "We are not isolated"
    assert _run(runner, tmp_path, [note], "--doc", "nope").exit_code != 0


def test_imported_notes_export_as_valid_w3c_with_their_hypothesis_link(story, runner, tmp_path):
    _run(runner, tmp_path, ANNOTATIONS, "--partial")
    out = tmp_path / "out.json"
    assert runner.invoke(args=["annotations", "export", "--include-drafts", "-o",
                               str(out)]).exit_code == 0
    items = json.loads(out.read_text())["first"]["items"]
    assert {item["via"] for item in items} >= {"https://hypothes.is/a/exact1",
                                               "https://hypothes.is/a/edited3"}
    code, output = validate(out)
    assert code == 0, output


def _selects_while(action):
    """Count the SELECT statements ``action`` sends."""
    seen = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        action()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(seen)


@pytest.mark.parametrize("n", [5, 60])
def test_the_import_reads_as_much_whatever_the_number_of_annotations(story, runner, tmp_path, n):
    many = [_annotation(f"n{i}", f"Note {i}", [], _selectors(
        "the talks in Geneva", "Officials said ", " had ended", 0)) for i in range(n)]
    selects = _selects_while(lambda: _run(runner, tmp_path, many))
    assert _count() == n
    assert selects <= 8, selects  # a few lookups, never one per annotation
