"""reader/filters.py: which notes a filtered document page shows."""

from types import SimpleNamespace

import pytest
from werkzeug.datastructures import MultiDict

from reader.filters import facet_options, matches, parse_filters


def _note(kind="note", tags=(), source_id=None, verdict=None):
    return SimpleNamespace(kind=kind, tags=list(tags), source_id=source_id, verdict=verdict)


@pytest.mark.parametrize("args, filters", [
    pytest.param({}, {}, id="nothing"),
    pytest.param({"kind": ["factcheck"]}, {"kind": {"factcheck"}}, id="one"),
    pytest.param({"kind": ["note", "context"], "tag": ["NATO"]},
                 {"kind": {"note", "context"}, "tag": {"nato"}}, id="tags-casefolded"),
    pytest.param({"kind": ["", "  "]}, {}, id="blank-values-ignored"),
    pytest.param({"q": ["x"], "hl": ["1-2"]}, {}, id="other-arguments-ignored"),
    pytest.param({"tag": "Straße"}, {"tag": {"strasse"}}, id="a-plain-string"),
])
def test_parse_filters(args, filters):
    assert parse_filters(args) == filters


def test_parse_filters_reads_a_multidict_and_bounds_it():
    args = MultiDict([("tag", f"t{i}") for i in range(500)] + [("source", "x" * 1000)])
    filters = parse_filters(args)
    assert len(filters["tag"]) == 50
    assert {len(v) for v in filters["source"]} == {100}


@pytest.mark.parametrize("note, filters, expected", [
    (_note(), {}, True),
    (_note("factcheck"), {"kind": {"factcheck"}}, True),
    (_note("note"), {"kind": {"factcheck"}}, False),
    (_note("note"), {"kind": {"factcheck", "note"}}, True),
    (_note(tags=["NATO", "red lines"]), {"tag": {"nato"}}, True),
    (_note(tags=["red lines"]), {"tag": {"nato"}}, False),
    (_note("context", source_id=3), {"source": {"3"}}, True),
    (_note("context", source_id=4), {"source": {"3"}}, False),
    (_note("factcheck", verdict="false"), {"verdict": {"false"}, "kind": {"factcheck"}}, True),
    (_note("note"), {"verdict": {"false"}}, False),
    (_note("factcheck", tags=["nato"], verdict="false"), {"tag": {"nato"}, "verdict": {"accurate"}},
     False),
])
def test_matches_needs_every_facet_and_any_value_within_one(note, filters, expected):
    assert matches(note, filters) is expected


def test_facet_options_count_label_and_keep_a_chosen_value():
    notes = [_note("note", ["NATO"]), _note("factcheck", ["nato", "Ukraine"], verdict="false"),
             _note("context", [], source_id=7)]
    labels = {"kind": {"note": "Editorial note", "context": "Source context",
                       "factcheck": "Fact check"},
              "verdict": {"accurate": "Accurate", "false": "False"}, "source": {"7": "A speech"}}
    options = facet_options(notes, {"tag": {"gone"}}, labels)
    assert [o.value for o in options["kind"]] == ["note", "context", "factcheck"]
    assert [(o.value, o.label, o.count, o.chosen) for o in options["tag"]] == [
        ("gone", "gone", 0, True), ("nato", "NATO", 2, False), ("ukraine", "Ukraine", 1, False)]
    assert [(o.label, o.count) for o in options["source"]] == [("A speech", 1)]
    assert [o.label for o in options["verdict"]] == ["False"]
    assert facet_options([], {}, labels) == {}
