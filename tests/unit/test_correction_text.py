"""What a correction changed, in readers' words (correction_text.py): no app, no database."""

import pytest

from reader.correction_text import describe_changes, summary

NOTE = {"kind": "factcheck", "body": "Evidence.", "tags": ["nato"], "start": 4, "end": 9,
        "exact": "words", "source_id": None, "relation": None, "verdict": "misleading"}


@pytest.mark.parametrize("change, phrases", [
    ({"verdict": "false"}, ["verdict changed from Misleading to False"]),
    ({"verdict": None}, ["verdict removed (was Misleading)"]),
    ({"body": "Better evidence."}, ["evidence rewritten"]),
    ({"kind": "note", "verdict": None, "body": "A note."},
     ["kind changed from Fact check to Editorial note", "verdict removed (was Misleading)",
      "text rewritten"]),
    ({"start": 5, "end": 10, "exact": "ords!"}, ["the annotated words changed"]),
    ({"tags": []}, ["tags changed"]),
    ({"verdict": "false", "body": "New."}, ["verdict changed from Misleading to False",
                                            "evidence rewritten"]),
    ({}, []),
])
def test_describe_changes_names_what_readers_would_notice(change, phrases):
    assert describe_changes(NOTE, {**NOTE, **change}) == phrases


def test_a_source_change_names_both_titles_and_a_relation_its_labels():
    before = {**NOTE, "kind": "context", "verdict": None, "source_id": 1,
              "source_title": "Speech", "relation": "verbatim"}
    after = {**before, "source_id": 2, "source_title": "Interview", "relation": "translation"}
    assert describe_changes(before, after) == [
        "source changed from “Speech” to “Interview”",
        "the words are now described as a translation (were verbatim)"]


def test_a_withdrawal_says_so_and_unknown_values_pass_through():
    assert summary("withdrawal", NOTE, None) == "the note was withdrawn"
    assert summary("correction", NOTE, {**NOTE, "verdict": "odd"}) == (
        "verdict changed from Misleading to odd")
    assert summary("clarification", NOTE, NOTE) == "wording changed"
