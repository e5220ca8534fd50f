"""The document's title in its text: which line is it, if any (the page header shows it if none)."""

import pytest

from reader.text.canonical import detect_structure, has_title_line


def _kinds(text, title):
    return [(b.kind, text[b.start:b.end]) for b in detect_structure(text, title)]


def test_a_line_above_the_title_is_a_meta_line(seed_text):
    text = seed_text("004")
    kinds = _kinds(text, "Russia and the Changing World")
    assert kinds[:2] == [("meta", "Foreign Policy Blogs"), ("title", "Russia and the Changing World")]
    assert [k for k, _ in kinds].count("title") == 1


def test_a_title_not_in_the_first_lines_leaves_the_text_without_one():
    text = "Kicker\n\nA paragraph that says something, at length.\n\nA heading\n\nMore text here."
    assert "title" not in [k for k, _ in _kinds(text, "A title from the page's metadata")]
    assert not has_title_line(text, "A title from the page's metadata")


@pytest.mark.parametrize("line, title", [
    ("# The concept, revised", "The concept, revised"),
    ("  Russia  and the changing   world ", "Russia and the Changing World"),
])
def test_the_title_line_matches_markdown_spacing_and_case_aside(line, title):
    text = f"{line}\n\nBody of the text, a sentence.\n"
    assert _kinds(text, title)[0][0] == "title" and has_title_line(text, title)


def test_without_a_title_the_first_line_is_the_title_as_before():
    assert _kinds("First\n\nSecond line is a sentence.", None)[0] == ("title", "First")
