"""reader/text/highlight.py: overlapping spans -> flat runs -> the document's <mark> markup."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.text.highlight import Run, render_text, segment
from reader.text.canonical import detect_structure


# --- segment ------------------------------------------------------------------------------

@pytest.mark.parametrize("spans, runs", [
    pytest.param([], [], id="no-spans"),
    pytest.param([(1, 2, 5)], [(2, 5, (1,))], id="one-span"),
    pytest.param([(1, 0, 10), (2, 3, 5)],
                 [(0, 3, (1,)), (3, 5, (1, 2)), (5, 10, (1,))], id="nested"),
    pytest.param([(1, 0, 6), (2, 4, 9)],
                 [(0, 4, (1,)), (4, 6, (1, 2)), (6, 9, (2,))], id="overlapping"),
    pytest.param([(1, 2, 5), (2, 2, 5)], [(2, 5, (1, 2))], id="identical"),
    pytest.param([(1, 0, 3), (2, 3, 6)], [(0, 3, (1,)), (3, 6, (2,))], id="adjacent"),
    pytest.param([(1, 0, 2), (2, 5, 7)], [(0, 2, (1,)), (5, 7, (2,))], id="disjoint"),
    pytest.param([(1, 4, 4)], [], id="empty"),
    pytest.param([(1, 6, 2)], [], id="reversed-is-empty"),
    pytest.param([(1, 0, 4), (2, 2, 2), (3, 4, 4)], [(0, 4, (1,))], id="empty-among-others"),
    pytest.param([(1, 0, 4), (2, 0, 8), (3, 2, 6)],
                 [(0, 2, (1, 2)), (2, 4, (1, 2, 3)), (4, 6, (2, 3)), (6, 8, (2,))],
                 id="three-deep"),
    pytest.param([(3, 5, 9), (1, 0, 9), (2, 0, 5)],
                 [(0, 5, (1, 2)), (5, 9, (1, 3))], id="input-order-does-not-matter"),
    pytest.param([(10, 0, 5), (9, 0, 5)], [(0, 5, (9, 10))], id="ids-sorted-as-numbers"),
])
def test_segment(spans, runs):
    assert segment(spans) == [Run(*run) for run in runs]


@st.composite
def _spans(draw, length=40, max_spans=8):
    """Spans with distinct ids over a text of ``length`` code points."""
    count = draw(st.integers(0, max_spans))
    spans = []
    for ann_id in range(1, count + 1):
        a, b = draw(st.integers(0, length)), draw(st.integers(0, length))
        spans.append((ann_id, min(a, b), max(a, b)))
    return spans


def _covering(spans, pos):
    """The ids of the spans over code point ``pos``."""
    return {ann_id for ann_id, start, end in spans if start <= pos < end}


@settings(max_examples=300, deadline=None)
@given(_spans())
def test_runs_are_flat_and_list_exactly_the_spans_over_them(spans):
    runs = segment(spans)
    union = {pos for _, start, end in spans for pos in range(start, end)}
    assert {pos for run in runs for pos in range(run.start, run.end)} == union
    for run in runs:
        assert run.start < run.end
        assert list(run.ids) == sorted(set(run.ids))
        for pos in range(run.start, run.end):
            assert _covering(spans, pos) == set(run.ids)
    for before, after in zip(runs, runs[1:]):
        assert before.end <= after.start  # sorted, neither overlapping nor nested
    boundaries = {pos for _, start, end in spans if start < end for pos in (start, end)}
    assert {edge for run in runs for edge in (run.start, run.end)} <= boundaries


# --- render_text --------------------------------------------------------------------------

def _render(text, spans, kinds=None):
    return render_text(text, detect_structure(text), segment(spans), kinds)


def _expected_marks(text, spans):
    """Per code point: the sorted ids (as strings) over it, or None."""
    out = []
    for pos in range(len(text)):
        ids = _covering(spans, pos)
        out.append(tuple(str(i) for i in sorted(ids)) if ids else None)
    return out


DOC = "Title 𝔘\n\nFirst <b>para</b> & “more”.\nSecond para.\n\n\nThird para 😀.\n"


@pytest.mark.parametrize("text, spans", [
    pytest.param(DOC, [], id="no-annotations"),
    pytest.param(DOC, [(1, 9, 14)], id="one-word"),
    pytest.param(DOC, [(1, 15, 26)], id="escaped-markup-in-text"),
    pytest.param(DOC, [(1, 30, 45)], id="span-over-a-single-newline"),
    pytest.param(DOC, [(1, 43, 60)], id="span-over-blank-lines"),
    pytest.param(DOC, [(1, 0, len(DOC))], id="whole-text"),
    pytest.param(DOC, [(1, 6, 7)], id="astral-character"),
    pytest.param(DOC, [(1, 9, 40), (2, 20, 30), (3, 25, 60), (4, 25, 60)],
                 id="nested-overlapping-identical"),
    pytest.param(DOC, [(1, 9, 14), (2, 14, 20)], id="adjacent"),
    pytest.param("\n\nText after blank lines\n", [(7, 0, 5)], id="span-in-leading-gap"),
    pytest.param("a < b && c > \"d\" 'e'", [(1, 2, 9)], id="html-specials"),
])
def test_rendered_text_content_and_marks(read_html, text, spans):
    doc = read_html(_render(text, spans))
    assert doc.problems == []
    assert doc.text == text
    assert doc.mark_ids == _expected_marks(text, spans)


def test_newlines_between_paragraphs_are_marked_when_a_span_crosses_them(read_html):
    text = "First para.\n\nSecond para."
    doc = read_html(_render(text, [(5, 6, 18)]))
    assert doc.text == text
    assert doc.mark_ids[11] == doc.mark_ids[12] == ("5",)
    marks = [attrs for tag, attrs in doc.tags if tag == "mark"]
    assert len(marks) == 3  # cut at the block edges, never around a block
    assert all(m["data-annotations"] == "5" for m in marks)


def test_blocks_become_headings_and_paragraphs(read_html):
    text = "A title\n\n‘West underestimates Russian red lines’\n\nA paragraph, ending so."
    doc = read_html(_render(text, []))
    assert [tag for tag, _ in doc.tags] == ["h1", "span", "h2", "span", "p"]
    assert [attrs.get("data-block") for tag, attrs in doc.tags if tag != "span"] == [
        "0", "1", "2"]


def test_mark_classes_name_the_kinds_and_overlaps(read_html):
    text = "Fact checked words here."
    html = _render(text, [(1, 0, 12), (2, 5, 20)], kinds={1: "factcheck", 2: "context"})
    marks = [attrs for tag, attrs in read_html(html).tags if tag == "mark"]
    assert [(m["data-annotations"], m["class"].split()) for m in marks] == [
        ("1", ["hl", "hl-factcheck"]),
        ("1 2", ["hl", "hl-context", "hl-factcheck", "hl-multi"]),
        ("2", ["hl", "hl-context"]),
    ]


def test_the_seed_renders_back_to_its_exact_text(read_html, seed_text):
    text = seed_text("000")
    spans = [(1, 280, 600), (2, 290, 300), (3, 500, 1200), (4, len(text) - 30, len(text))]
    doc = read_html(_render(text, spans))
    assert doc.problems == []
    assert doc.text == text
    assert doc.mark_ids == _expected_marks(text, spans)


_CHARS = st.one_of(
    st.sampled_from(list("<>&\"' \n\n\n\t\xa0.a𝔘😀")),
    st.characters(exclude_categories=("Cs",), exclude_characters="\r\x00"),
)


@st.composite
def _documents(draw):
    """A canonical-looking text (no CR, no NUL) and spans over it, crossing lines freely."""
    text = draw(st.text(alphabet=_CHARS, max_size=60))
    return text, draw(_spans(length=len(text)))


@settings(max_examples=200, deadline=None)
@given(_documents())
def test_any_text_renders_exactly_with_every_covered_character_marked(read_html, doc):
    text, spans = doc
    parsed = read_html(_render(text, spans))
    assert parsed.problems == []
    assert parsed.text == text
    assert parsed.mark_ids == _expected_marks(text, spans)
