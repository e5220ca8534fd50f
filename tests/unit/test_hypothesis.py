"""reader/interchange/hypothesis.py: reading a Hypothesis export, placing its quotes."""

from datetime import UTC, datetime

import pytest

from reader.interchange.hypothesis import (
    HypothesisError, NormalText, is_export, normalise, place_quote, read_note,
)

TEXT = ("Putin said: \u201cWe are not isolated.\u201d\n\n"
        "The West,  he added, had \u2018no   right\u2019 to lecture Russia.\n"
        "He repeated it twice. He repeated it twice.\n"
        "Officials later said the talks in Geneva had ended without any agreement at all.\n")


def _raw(**fields):
    """One annotation as the Hypothesis client exports it."""
    return {
        "id": "Ab12Cd34Ef", "created": "2024-03-01T09:30:05.123456+00:00",
        "updated": "2024-03-02T10:00:00.000000+00:00", "user": "acct:maria@hypothes.is",
        "uri": "https://news.example/story", "text": "Which talks?", "tags": ["geneva"],
        "group": "__world__", "permissions": {"read": ["group:__world__"]},
        "target": [{"source": "https://news.example/story", "selector": [
            {"type": "RangeSelector", "startContainer": "/div[1]/p[3]", "startOffset": 0,
             "endContainer": "/div[1]/p[3]", "endOffset": 12},
            {"type": "TextPositionSelector", "start": 5120, "end": 5140},
            {"type": "TextQuoteSelector", "exact": "the talks in Geneva",
             "prefix": "Officials later said ", "suffix": " had ended"}]}],
        "document": {"title": ["A story"]}, "links": {
            "html": "https://hypothes.is/a/Ab12Cd34Ef",
            "incontext": "https://hyp.is/Ab12Cd34Ef/news.example/story"},
        "user_info": {"display_name": "Maria K."}, "flagged": False, "hidden": False,
    } | fields


@pytest.mark.parametrize("data, expected", [
    ({"export_date": "2024-03-05T10:00:00Z", "export_userid": "acct:maria@hypothes.is",
      "client_version": "1.1500.0", "annotations": []}, True),
    ({"total": 1, "rows": [_raw()]}, True),
    ({"annotations": []}, False),
    ({"type": "AnnotationCollection", "first": {"items": []}}, False),
    ([_raw()], False),
])
def test_an_export_is_recognised_by_its_own_fields(data, expected):
    assert is_export(data) is expected


def test_a_note_keeps_text_tags_dates_author_and_link():
    note = read_note(0, _raw())
    assert (note.text, note.tags, note.author) == ("Which talks?", ("geneva",), "Maria K.")
    assert note.created == datetime(2024, 3, 1, 9, 30, 5, tzinfo=UTC)
    assert note.updated == datetime(2024, 3, 2, 10, 0, tzinfo=UTC)
    assert note.link == "https://hypothes.is/a/Ab12Cd34Ef"
    assert (note.exact, note.prefix, note.suffix, note.hint) == (
        "the talks in Geneva", "Officials later said ", " had ended", 5120)
    assert (note.public, note.is_reply, note.title) == (True, False, "A story")


@pytest.mark.parametrize("fields, name, value", [
    ({"user_info": {"display_name": None}}, "author", "maria"),
    ({"links": {}}, "link", "https://hypothes.is/a/Ab12Cd34Ef"),
    ({"permissions": {"read": ["acct:maria@hypothes.is"]}}, "public", False),
    ({"references": ["Zz99"]}, "is_reply", True),
    ({"target": [{"source": "https://news.example/story"}]}, "exact", None),
    ({"document": {"title": "Plain title"}}, "title", "Plain title"),
    ({"uri": None}, "uri", "https://news.example/story"),
    ({"created": "2024-03-01T09:30:05"}, "created", datetime(2024, 3, 1, 9, 30, 5, tzinfo=UTC)),
])
def test_what_an_annotation_may_leave_out(fields, name, value):
    assert getattr(read_note(0, _raw(**fields)), name) == value


@pytest.mark.parametrize("item, message", [
    ("not an object", "JSON object"),
    (_raw(id=None), "id must be"),
    (_raw(tags="geneva"), "tags must be a list"),
    (_raw(created="yesterday"), "created is not a date-time"),
    (_raw(target="https://news.example/story"), "target must be a list"),
])
def test_a_broken_annotation_is_refused_with_the_reason(item, message):
    with pytest.raises(HypothesisError, match=message):
        read_note(0, item)


def _placed(exact, prefix="", suffix="", hint=None):
    placement = place_quote(NormalText(TEXT), exact, prefix, suffix, hint)
    return None if placement is None else (TEXT[placement.start:placement.end], placement.state)


@pytest.mark.parametrize("exact, prefix, suffix, words", [
    pytest.param("the talks in Geneva", "said ", " had", "the talks in Geneva", id="same-words"),
    pytest.param('"We are not isolated."', "said: ", "", "\u201cWe are not isolated.\u201d",
                 id="straight-quotes-for-curly"),
    pytest.param("The West, he added, had 'no right' to", "", "",
                 "The West,  he added, had \u2018no   right\u2019 to", id="whitespace-and-marks"),
    pytest.param("  the talks in Geneva\n", "", "", "the talks in Geneva",
                 id="whitespace-around-the-quote"),
])
def test_quotes_differing_in_whitespace_or_quote_marks_are_placed_exactly(
        exact, prefix, suffix, words):
    assert _placed(exact, prefix, suffix) == (words, "exact")


def test_context_chooses_between_repeated_words_and_a_foreign_position_only_breaks_ties():
    first = TEXT.index("He repeated it twice.")
    second = TEXT.index("He repeated it twice.", first + 1)
    by_context = place_quote(NormalText(TEXT), "He repeated it twice.", "twice. ", "\nOfficials")
    assert by_context.start == second
    # no context: the hint (another page's offset) decides, whatever its scale
    assert place_quote(NormalText(TEXT), "He repeated it twice.", hint=10_000).start == second
    assert place_quote(NormalText(TEXT), "He repeated it twice.", hint=0).start == first


def test_edited_words_are_placed_on_the_changed_words():
    assert _placed("the talks in Geneva had ended without an agreement",
                   "Officials later said ", ".") == (
        "the talks in Geneva had ended without any agreement", "changed")


@pytest.mark.parametrize("exact", ["The moon landing was filmed in a studio",
                                   "entirely different words that appear nowhere"])
def test_words_that_are_not_there_are_not_placed(exact):
    assert _placed(exact, "said ", ".") is None


def test_normal_text_maps_back_to_code_points():
    text = "a\u00a0\u00a0\U0001d518 \u201cb\u201d"
    normal = NormalText(text)
    assert normal.text == 'a \U0001d518 "b"'
    start = normal.text.index('"b"')
    assert text[slice(*normal.span(start, start + 3))] == "\u201cb\u201d"
    assert normalise("x \n\t y\u2019") == "x y'"
