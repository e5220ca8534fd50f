"""reader/text/highlight.py extras: block ids, footnote numbers and filtered marks, text intact."""

from reader.text.highlight import render_text, segment
from reader.text.canonical import detect_structure

TEXT = "A title\n\nFirst para with words.\nSecond para ends here."


def _render(spans, **kwargs):
    return render_text(TEXT, detect_structure(TEXT), segment(spans), **kwargs)


def test_blocks_carry_ids_for_links(read_html):
    doc = read_html(_render([]))
    assert [attrs.get("id") for tag, attrs in doc.tags if tag != "span"] == ["p-0", "p-1", "p-2"]
    assert doc.text == TEXT


def test_the_mark_where_an_annotation_ends_carries_its_number(read_html):
    # 1 crosses from the first paragraph into the second: only its last mark is numbered
    spans = [(1, 15, 40), (2, 20, 26)]
    doc = read_html(_render(spans, footnotes={1: (40, 7), 2: (26, 3)}))
    assert doc.text == TEXT
    numbered = [(attrs["data-annotations"], attrs.get("data-fn"))
                for tag, attrs in doc.tags if tag == "mark"]
    assert numbered == [("1", None), ("1 2", "3"), ("1", None), ("1", None), ("1", "7")]


def test_marks_of_filtered_annotations_only_are_muted(read_html):
    spans = [(1, 9, 20), (2, 15, 30)]
    doc = read_html(_render(spans, kinds={1: "note", 2: "context"}, muted=frozenset({1})))
    assert doc.text == TEXT
    classes = {attrs["data-annotations"]: attrs["class"].split()
               for tag, attrs in doc.tags if tag == "mark"}
    assert "is-filtered" in classes["1"]
    assert "is-filtered" not in classes["1 2"] and "is-filtered" not in classes["2"]


def test_marks_of_notes_whose_kinds_are_left_to_the_script_have_no_class(read_html):
    # 2's kind is not given (a compact note: the page's script gives it): alone on its words
    # its mark has no class; where it overlaps 1 the mark has 1's kind and says it is shared
    spans = [(1, 9, 20), (2, 15, 30)]
    doc = read_html(_render(spans, kinds={1: "factcheck"}))
    assert doc.text == TEXT
    classes = {attrs["data-annotations"]: attrs.get("class") for tag, attrs in doc.tags if tag == "mark"}
    assert classes == {"1": "hl hl-factcheck", "1 2": "hl hl-factcheck hl-multi", "2": None}
