"""Hostile input to the pure modules: the work it causes stays bounded (counted, never timed)."""

import json
import random
import re
from html import unescape

import pytest

from reader import safejson

from reader.text import canonical as text, matching
from reader.text.anchoring import FUZZY_BUDGET, Span, reanchor_all
from reader.text.diffs import DIFF_BUDGET, pairs
from reader.text.diffview import side_by_side
from reader.text.matching import MAX_CANDIDATES, MAX_STEMS
from reader.terms import find_spans, iter_spans, parse_query, snippets
from reader.text.canonical import (
    FIND_BUDGET, MAX_META_LINE, MAX_OCCURRENCES, MAX_QUOTE_CONTEXT, block_index, detect_metadata,
    detect_structure, locate_quote, quote_selector,
)
from reader.w3c import parse_annotation
from tests.hostile import count_weighing, long_lines

BASE = "http://localhost"


class CountingText(str):
    """A text that counts the code points read out of it and the searches made in it."""

    def __new__(cls, value):
        made = super().__new__(cls, value)
        made.read = 0
        made.finds = 0
        return made

    def __getitem__(self, key):
        piece = str.__getitem__(self, key)
        self.read += len(piece)
        return piece

    def find(self, *args):
        self.finds += 1
        return str.find(self, *args)


class RecordingPattern:
    """Stands in for a compiled pattern and records the length of every string it is given."""

    def __init__(self, pattern):
        self.pattern = pattern
        self.lengths = []

    def match(self, string, *args):
        self.lengths.append(len(string))
        return self.pattern.match(string, *args)


# --- placing a quote ------------------------------------------------------------------------

def test_a_megabyte_prefix_reads_only_the_context_nearest_each_occurrence():
    document = CountingText("Intro. " + " ".join(f"claim {i} was made." for i in range(300)))
    prefix = "x" * 1_000_000 + "Intro. "
    found = locate_quote(document, "claim", prefix=prefix, suffix="y" * 1_000_000)
    assert found == (7, 12)
    occurrences = 300
    assert document.finds == occurrences + 1
    # per occurrence, at most 256 code points on either side are read
    assert document.read <= occurrences * 2 * MAX_QUOTE_CONTEXT


def test_only_the_256_characters_nearest_the_quote_decide_between_occurrences():
    near = "n" * MAX_QUOTE_CONTEXT
    document = "a" * 300 + "QUOTE" + " " + near + "QUOTE" + " tail"
    # far away the prefix agrees with the first occurrence, near the quote with the second
    prefix = "a" * 300 + near
    start = locate_quote(document, "QUOTE", prefix=prefix)[0]
    assert document[start - 3:start] == "nnn"


def test_a_quote_too_common_to_place_is_not_placed_and_the_search_stops():
    document = CountingText("a " * (MAX_OCCURRENCES + 5_000))
    assert locate_quote(document, "a", prefix="b ") is None
    assert document.finds == MAX_OCCURRENCES + 1


def test_a_long_repetitive_quote_compares_within_the_budget():
    exact = "ab" * 50_000
    document = CountingText("ab" * 200_000)
    assert locate_quote(document, exact) is None  # 150,001 places: too many to weigh
    assert document.finds * len(exact) <= FIND_BUDGET + 2 * len(exact)


def test_a_quote_longer_than_the_document_is_not_searched():
    document = CountingText("short text")
    assert locate_quote(document, "short text and more") is None
    assert document.finds == 0


def test_w3c_parsing_keeps_the_256_context_characters_nearest_the_quote():
    item = {"type": "Annotation", "target": {
        "source": f"{BASE}/docs/d", "selector": {
            "type": "TextQuoteSelector", "exact": "words",
            "prefix": "p" * 1_000_000 + "BEFORE", "suffix": "AFTER" + "s" * 1_000_000}}}
    parsed = parse_annotation(item, BASE)
    assert len(parsed["prefix"]) == len(parsed["suffix"]) == MAX_QUOTE_CONTEXT
    assert parsed["prefix"].endswith("BEFORE") and parsed["suffix"].startswith("AFTER")


# --- metadata ---------------------------------------------------------------------------------

@pytest.mark.parametrize("line", [
    "Published by X" + " " * 120_000 + "Y",
    "Published by" + " " * 120_000 + "X" + " " * 120_000 + "Y",
    "Source: " + "a " * 100_000,
    "By " + "Aa" * 50_000 + " Bb" * 50_000,
])
def test_metadata_regexes_never_see_a_long_line(monkeypatch, line):
    patterns = {name: RecordingPattern(getattr(text, name))
                for name in ("_PUBLISHED_BY", "_BYLINE")}
    for name, pattern in patterns.items():
        monkeypatch.setattr(text, name, pattern)
    meta = detect_metadata("A title\n" + line + "\nBody text.\n")
    assert meta["outlet"] == "" and meta["author"] == ""
    seen = [n for pattern in patterns.values() for n in pattern.lengths]
    assert seen and max(seen) <= MAX_META_LINE


def test_a_published_by_line_still_names_the_outlet():
    meta = detect_metadata("A title\nPublished by   The Daily Planet.  \nBody.\n")
    assert meta["outlet"] == "The Daily Planet"
    assert detect_metadata("A title\nSource:\tTASS\n")["outlet"] == "TASS"
    assert detect_metadata("A title\nPublished by\n")["outlet"] == ""


# --- JSON ------------------------------------------------------------------------------------

@pytest.mark.parametrize("depth", [65, 400, 900, 5_000, 200_000])
@pytest.mark.parametrize("nest", [
    lambda n: "[" * n + "]" * n,
    lambda n: '{"a":' * n + "1" + "}" * n,
], ids=["lists", "objects"])
def test_json_nested_too_deeply_is_a_value_error(depth, nest):
    with pytest.raises(ValueError, match="nested too deeply"):
        safejson.loads(nest(depth))


def test_json_within_the_limit_parses_as_usual():
    value = json.loads("[" * safejson.MAX_DEPTH + "]" * safejson.MAX_DEPTH)
    assert safejson.loads(json.dumps(value)) == value
    assert safejson.depth({"a": [1, {"b": []}], "c": 2}) == 4
    assert safejson.depth("text") == 0


# --- search snippets ---------------------------------------------------------------------------

class CountingSpans:
    """An iterator over spans that counts how many were taken."""

    def __init__(self, spans):
        self.spans = iter(spans)
        self.taken = 0

    def __iter__(self):
        return self

    def __next__(self):
        span = next(self.spans)
        self.taken += 1
        return span


@pytest.mark.parametrize("text", [
    "word " * 800_000,  # 4 MB of one word
    "word" + "." * 1_000_000 + "word",  # a phrase's gap
    "wordy-word_word/" * 200_000,
])
def test_snippets_of_a_text_full_of_matches_stay_small(text):
    width = 90
    spans = CountingSpans(iter_spans(text, parse_query("word")))
    found = snippets(text, spans, width=width)
    assert 1 <= len(found) <= 3
    assert all(s.end - s.start <= 4 * width for s in found)
    assert sum(len(s.html) for s in found) <= 3 * 4 * width * len("<mark></mark>")
    # the spans are read only as far as three windows reach
    assert spans.taken <= 3 * 4 * width // len("word") + 2


def test_a_phrase_does_not_reach_across_a_long_gap():
    text = "foreign" + " " * 10_000 + "policy and foreign policy"
    assert find_spans(text, parse_query('"foreign policy"')) == [(10_018, 10_032)]


@pytest.mark.parametrize("text", [
    "Title\n\nOne.\n  \nTwo words\n\t\nthree\n",
    " \n\u2028x\n\n\u00a0y z\n" * 3,
    "A\n" * 50,
])
def test_block_index_agrees_with_the_blocks(text):
    blocks = detect_structure(text)
    for number, block in enumerate(blocks):
        for pos in range(block.start, block.end):
            if not text[pos].isspace():
                assert block_index(text, pos) == number


@pytest.mark.parametrize("query, text, marked", [
    ("sanction", "New sanctions, sanctioned and sanctioning", ["sanctions", "sanctioned",
                                                           "sanctioning"]),
    ("translation", "Translated, a translation; the translations", ["Translated", "translation",
                                                                   "translations"]),
    ("war", "The war, wars and Warsaw", ["war", "wars"]),
    ('"red lines"', "red lines, red-lines, red and lines", ["red lines", "red-lines"]),
    ("nato*", "NATO-led natoish", ["NATO", "natoish"]),
])
def test_words_marked_are_those_the_databases_would_match(query, text, marked):
    assert [text[s:e] for s, e in find_spans(text, parse_query(query))] == marked


# --- diffs ------------------------------------------------------------------------------------

@pytest.fixture
def weighed(monkeypatch):
    return count_weighing(monkeypatch)


def test_side_by_side_of_long_lines_weighs_within_the_budget(weighed):
    old, new, _ = long_lines(1)
    assert pairs(old, new) > 50 * DIFF_BUDGET  # what a diff by character would weigh
    rows = side_by_side(old, new)
    assert weighed["pairs"] <= DIFF_BUDGET
    # every character is still shown, and the changes are marked
    left = "\n".join(unescape(re.sub("<[^>]+>", "", str(r[1]))) for r in rows if r[1] is not None)
    right = "\n".join(unescape(re.sub("<[^>]+>", "", str(r[2]))) for r in rows if r[2] is not None)
    assert (left, right) == (old, new)
    assert any("<ins>" in str(r[2]) for r in rows if r[2] is not None)


def test_reanchoring_over_long_lines_weighs_within_the_budgets(weighed):
    old, new, rng = long_lines(2)
    spans = []
    for k in range(300):
        start = rng.randrange(10, len(old) - 80)
        end = start + rng.randint(5, 60)
        spans.append(Span(k, start, end, *quote_selector(old, start, end)))
    landings = reanchor_all(old, new, spans)
    assert weighed["pairs"] <= DIFF_BUDGET + FUZZY_BUDGET
    assert all(new[l.start:l.end] == s.exact for l, s in zip(landings, spans)
               if l.state in ("unchanged", "moved"))
    assert sum(l.state != "orphaned" for l in landings) >= 0.9 * len(spans)


def test_a_quote_too_long_to_weigh_is_placed_by_its_ends(weighed):
    old, new, _ = long_lines(3, size=30_000, edits=3)
    start, end = 9, len(old) - 1  # both paragraphs: its words changed in three places
    [landing] = reanchor_all(old, new, [Span(1, start, end, *quote_selector(old, start, end))])
    assert weighed["pairs"] <= DIFF_BUDGET + FUZZY_BUDGET
    assert landing.state == "fuzzy" and (landing.start, landing.end) == (start, end)
    assert landing.score > 0.99


# --- matching passages between documents ------------------------------------------------------

class CountingStems(frozenset):
    """A sentence's stems that count the intersections taken with them, and their work."""

    taken = []

    def __and__(self, other):
        CountingStems.taken.append(min(len(self), len(other)))
        return frozenset.__and__(self, other)


def test_matching_compares_each_sentence_with_a_bounded_number_of_others(monkeypatch):
    monkeypatch.setattr(matching, "frozenset", CountingStems, raising=False)
    CountingStems.taken = []
    rng = random.Random(7)
    vocabulary = [f"w{chr(97 + i % 26)}{chr(97 + i // 26)}q" for i in range(240)]

    def document():  # every stem in about 100 sentences: every probe's posting is full
        return " ".join(" ".join(rng.sample(vocabulary, 40)) + "." for _ in range(600))
    texts = [(1, document()), (2, document()), (3, "Run on " + " ".join(
        f"x{n}y" for n in range(5_000)) + ".")]
    found = matching.find_matches(texts)
    n_sentences = sum(1 for doc, t in texts for _ in matching.sentences(doc, t))
    assert len(CountingStems.taken) <= n_sentences * MAX_CANDIDATES
    assert max(CountingStems.taken) <= MAX_STEMS
    assert all(len(m.a.stems) <= MAX_STEMS for m in found)


@pytest.mark.parametrize("title, plain", [
    ("## Russia and the Changing World ##", "Russia and the Changing World"),
    ("# C#", "C#"), ("#hashtag", "#hashtag"), ("Title", "Title"),
])
def test_a_markdown_title_loses_its_marks(title, plain):
    assert detect_metadata(title + "\nBody.\n")["title"] == plain


@pytest.mark.parametrize("line", [
    "A" + " " * 120_000 + "B",  # a closing-# pattern would backtrack over every space
    "#" + " " * 120_000 + "#" * 3 + " " * 120_000 + "x",
])
def test_a_long_first_line_is_read_once_for_its_title(monkeypatch, line):
    patterns = {"_MD_HEADING_OPEN": RecordingPattern(text._MD_HEADING_OPEN)}
    monkeypatch.setattr(text, "_MD_HEADING_OPEN", patterns["_MD_HEADING_OPEN"])
    meta = detect_metadata(line + "\nBody.\n")
    assert meta["title"].strip()
    # the only regex over the line is anchored at its start and reads its opening marks
    assert len(patterns["_MD_HEADING_OPEN"].lengths) == 1
