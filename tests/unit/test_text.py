"""reader/text/canonical.py: canonical text, structure, metadata, selectors and re-anchoring."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.text.canonical import (
    QUOTE_CONTEXT, TextError, canonicalize, check_span, detect_metadata, detect_structure,
    locate_quote, quote_selector, reanchor,
)

SEED_NUMBERS = ["000", "001", "002", "003", "004"]


# --- canonicalize -----------------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    pytest.param(b"\xef\xbb\xbfHello", "Hello", id="bom-in-bytes"),
    pytest.param("\ufeffHello", "Hello", id="bom-in-str"),
    pytest.param("\ufeff\ufeffHello", "\ufeffHello", id="only-one-leading-bom"),
    pytest.param("Mid\ufeffdle", "Mid\ufeffdle", id="inner-bom-kept"),
    pytest.param(b"one\r\ntwo\r\n", "one\ntwo\n", id="crlf"),
    pytest.param(b"one\rtwo\r", "one\ntwo\n", id="lone-cr"),
    pytest.param("a\r\r\nb\n\rc", "a\n\nb\n\nc", id="mixed-line-endings"),
    pytest.param(b"\xef\xbb\xbfTitle\r\n\r\nBody", "Title\n\nBody", id="bom-and-crlf"),
    pytest.param("trailing spaces   \nand tabs\t\n", "trailing spaces   \nand tabs\t\n",
                 id="trailing-whitespace-kept"),
    pytest.param("\n\n  indented first line\n\n\n", "\n\n  indented first line\n\n\n",
                 id="leading-and-trailing-blank-lines-kept"),
    pytest.param("NATO\xa0troops  doubled  spaces", "NATO\xa0troops  doubled  spaces",
                 id="nbsp-and-double-spaces-kept"),
    pytest.param("“curly” ‘quotes’ and \"straight\"", "“curly” ‘quotes’ and \"straight\"",
                 id="quotes-not-normalised"),
    pytest.param("e\u0301 is not é", "e\u0301 is not é", id="no-unicode-normalisation"),
    pytest.param("emoji 😀 and 𝔘 astral", "emoji 😀 and 𝔘 astral", id="astral-kept"),
    pytest.param("zero\u200bwidth", "zero\u200bwidth", id="zero-width-space-kept"),
    pytest.param("Putin’s speech".encode(), "Putin’s speech", id="utf8-bytes-decoded"),
])
def test_canonicalize_changes_only_bom_and_line_endings(raw, expected):
    assert canonicalize(raw) == expected


@pytest.mark.parametrize("text", ["Plain", "A\r\nB", "\ufeff😀 𝔘\rx", "“x”\xa0 \n"])
def test_canonicalize_gives_the_same_text_for_bytes_and_str(text):
    assert canonicalize(text.encode("utf-8")) == canonicalize(text)


@pytest.mark.parametrize("raw, message", [
    pytest.param(b"caf\xe9 au lait", r"not UTF-8 \(invalid byte at offset 3\)", id="latin-1"),
    pytest.param(b"\xff\xfeH\x00i\x00", "not UTF-8.*UTF-16", id="utf-16"),
    pytest.param(b"\xed\xa0\x80 surrogate", "not UTF-8", id="encoded-surrogate"),
    pytest.param(b"PK\x03\x04\x00\x00binary", r"binary file \(contains NUL bytes\)",
                 id="nul-bytes"),
    pytest.param("text\x00with NUL", r"binary file \(contains NUL characters\)", id="nul-in-str"),
    pytest.param("\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f", "too many control characters",
                 id="control-characters"),
    pytest.param(b"", "empty text", id="empty-bytes"),
    pytest.param("", "empty text", id="empty-str"),
    pytest.param(" \t\r\n\r\n  ", "empty text", id="whitespace-only"),
    pytest.param("\xa0\n\u3000", "empty text", id="unicode-spaces-only"),
    pytest.param(b"\xef\xbb\xbf", "empty text", id="bom-only"),
])
def test_canonicalize_rejects_what_cannot_be_a_document(raw, message):
    with pytest.raises(TextError, match=message):
        canonicalize(raw)


# --- detect_structure on the seeds ---------------------------------------------------------

def _kinds_by_line(text):
    """Return ``{line text: kind}`` for the blocks of ``text`` (first occurrence wins)."""
    kinds = {}
    for block in detect_structure(text):
        kinds.setdefault(text[block.start:block.end].strip(), block.kind)
    return kinds


@pytest.mark.parametrize("number, title", [
    ("000", "Putin’s Insights on Russian Foreign Policy Revealed"),
    ("001", "Putin: Political, Military De-escalation to Europe's Benefit"),
    ("003", "Putin rejects claims of ‘isolation’ and urges negotiations with West"),
])
def test_first_line_of_a_seed_is_its_title(seed_text, number, title):
    text = seed_text(number)
    first = detect_structure(text)[0]
    assert first.kind == "title"
    assert text[first.start:first.end] == title
    assert [b.kind for b in detect_structure(text)].count("title") == 1


@pytest.mark.parametrize("number, line, kinds", [
    ("000", "‘West underestimates Russian red lines’", {"heading"}),
    ("000", "‘West is not a very reliable partner’", {"heading"}),
    ("000", "‘Russia open for dialogue with US’", {"heading"}),
    ("001", "Europe is using the migrant crisis to pressure Minsk", {"heading"}),
    ("001", "Opportunities for cooperation narrowing", {"heading"}),
    ("001", "Open to dialogue with the US", {"heading"}),
    ("002", "Western 'Hysteria' About Russian 'Invasion' of Ukraine", {"heading"}),
    ("004", "Russia and the Changing World", {"heading"}),
    # not headings: sentences, however short
    ("000", "Sharing is caring!", {"paragraph", "meta"}),
    ("000", "The worsening relations between Russia and the West were high on Putin’s agenda"
            " on Thursday.", {"paragraph"}),
    ("003", "“When we hear… that I avoid talking to some European leaders, let me tell you:"
            " that is a lie,” Putin stated.", {"paragraph"}),
    ("002", "Sputnik", {"meta"}),
])
def test_seed_lines_get_their_block_kind(seed_text, number, line, kinds):
    assert _kinds_by_line(seed_text(number)).get(line) in kinds


def test_single_newline_paragraphs_of_seed_001_are_separate_blocks(seed_text):
    text = seed_text("001")
    blocks = detect_structure(text)
    starts = [text[b.start:b.end][:40] for b in blocks[:4]]
    assert starts == [
        "Putin: Political, Military De-escalation",
        "In an expanded meeting at the Russian Fo",
        "Today, Thursday, Russian President Vladi",
        "In an expanded meeting at the Russian Fo",
    ]
    assert len(blocks) == len([line for line in text.split("\n") if line.strip()])


@pytest.mark.parametrize("number", SEED_NUMBERS)
def test_seed_blocks_are_ordered_slices_that_drop_no_words(seed_text, number):
    text = seed_text(number)
    blocks = detect_structure(text)
    assert blocks
    pos = 0
    for block in blocks:
        assert pos <= block.start < block.end <= len(text)
        assert text[pos:block.start].isspace() or pos == block.start  # gaps are whitespace
        assert "\n" not in text[block.start:block.end]
        pos = block.end
    assert text[pos:] == "" or text[pos:].isspace()


def test_sharing_is_caring_is_kept_as_a_block(seed_text):
    text = seed_text("000")
    assert "Sharing is caring!" in [text[b.start:b.end] for b in detect_structure(text)]


_LINES = st.text(alphabet=st.sampled_from(list("ab .!?’‘\n\n\t\xa0𝔘😀A")), max_size=80)


@settings(max_examples=150, deadline=None)
@given(_LINES)
def test_blocks_of_any_text_are_disjoint_lines_covering_every_visible_character(text):
    blocks = detect_structure(text)
    covered = set()
    for before, block in zip([None, *blocks], blocks):
        assert before is None or before.end < block.start
        assert text[block.start:block.end].strip()
        assert "\n" not in text[block.start:block.end]
        covered.update(range(block.start, block.end))
    assert all(text[i].isspace() for i in range(len(text)) if i not in covered)


def test_block_offsets_count_code_points_not_utf16_units():
    text = "𝔘nion 😀\n\nSecond 𝔘 line is a sentence."
    blocks = detect_structure(text)
    assert [(b.kind, b.start, b.end) for b in blocks] == [("title", 0, 7), ("paragraph", 9, 37)]
    assert text[blocks[1].start:blocks[1].end] == "Second 𝔘 line is a sentence."


# --- detect_metadata ----------------------------------------------------------------------

@pytest.mark.parametrize("number, outlet, author", [
    ("000", "Rt.com", ""),
    ("001", "", ""),
    ("002", "Sputnik", ""),
    ("003", "", "Jennifer Hicks"),
    ("004", "", ""),
])
def test_seed_metadata(seed_text, number, outlet, author):
    meta = detect_metadata(seed_text(number))
    assert (meta["outlet"], meta["author"]) == (outlet, author)


@pytest.mark.parametrize("text, expected", [
    pytest.param("Headline\n\nBy Jane Doe\n\nBody.", {"author": "Jane Doe"}, id="byline"),
    pytest.param("Headline\nBy the way, this is not a byline.", {"author": ""},
                 id="by-in-a-sentence"),
    pytest.param("Headline\n\nBody.\n\nSource: Reuters.", {"outlet": "Reuters"},
                 id="source-line"),
    pytest.param("Headline\n\nPublished by TASS", {"outlet": "TASS"}, id="published-by"),
    pytest.param("Headline\nInterfax\nBody text.", {"outlet": "Interfax"}, id="outlet-line"),
    pytest.param("\n\n  𝔘 Headline  \nBody.", {"title": "𝔘 Headline"}, id="title-stripped"),
])
def test_metadata_stated_in_the_text(text, expected):
    meta = detect_metadata(text)
    assert {key: meta[key] for key in expected} == expected


# --- selectors ------------------------------------------------------------------------

def test_quote_selector_counts_code_points():
    text = "😀 ab 𝔘 cd"
    assert quote_selector(text, 2, 4) == ("ab", "😀 ", " 𝔘 cd")
    assert quote_selector(text, 5, 6) == ("𝔘", "😀 ab ", " cd")


def test_quote_selector_keeps_a_short_context():
    text = "x" * 100 + "QUOTE" + "y" * 100
    exact, prefix, suffix = quote_selector(text, 100, 105)
    assert (exact, prefix, suffix) == ("QUOTE", "x" * QUOTE_CONTEXT, "y" * QUOTE_CONTEXT)


SPAN_TEXT = "𝔘 red lines, 😀 and\n\n  \xa0 more"


@pytest.mark.parametrize("start, end, exact", [
    (0, 1, "𝔘"),
    (2, 11, "red lines"),
    (2, 11, None),
    (13, 14, "😀"),
    (0, len(SPAN_TEXT), SPAN_TEXT),
    (15, 21, "and\n\n "),
])
def test_check_span_accepts_a_matching_code_point_span(start, end, exact):
    check_span(SPAN_TEXT, start, end, exact)


@pytest.mark.parametrize("start, end, exact, message", [
    (-1, 3, None, "outside the text"),
    (0, len(SPAN_TEXT) + 1, None, "outside the text"),
    (40, 45, None, "outside the text"),
    (5, 5, None, "outside the text"),
    (6, 2, None, "outside the text"),
    (18, 24, None, "empty or only whitespace"),
    (1, 2, None, "empty or only whitespace"),
    (2, 11, "red line", "not the quoted 'red line'"),
    (2, 4, "𝔘 r", "is 're', not the quoted"),
    (1.0, 3, None, "must be integers"),
    (2, "11", None, "must be integers"),
    (True, 3, None, "must be integers"),
    (0, True, None, "must be integers"),
])
def test_check_span_rejects_bad_spans(start, end, exact, message):
    with pytest.raises(TextError, match=message):
        check_span(SPAN_TEXT, start, end, exact)


LOCATE_TEXT = "the cat sat. the cat ran. the cat sat."


@pytest.mark.parametrize("text, exact, prefix, suffix, hint, expected", [
    pytest.param(LOCATE_TEXT, "the cat", "", "", None, (0, 7), id="first-without-context"),
    pytest.param(LOCATE_TEXT, "the cat", "", " ran", None, (13, 20), id="suffix-decides"),
    pytest.param(LOCATE_TEXT, "the cat", "ran. ", "", None, (26, 33), id="prefix-decides"),
    pytest.param(LOCATE_TEXT, "the cat", "", " ran", 26, (13, 20), id="context-beats-hint"),
    pytest.param(LOCATE_TEXT, "the cat", "", " sat", 24, (26, 33), id="hint-breaks-tie"),
    pytest.param(LOCATE_TEXT, "the cat", "", "", 11, (13, 20), id="nearest-hint"),
    pytest.param("aaaa", "aa", "", "", 2, (2, 4), id="overlapping-occurrences"),
    pytest.param("𝔘𝔘 word 😀 word", "word", "😀 ", "", None, (10, 14), id="astral-offsets"),
    pytest.param(LOCATE_TEXT, "the dog", "", "", None, None, id="missing"),
    pytest.param(LOCATE_TEXT, "", "", "", None, None, id="empty-quote"),
])
def test_locate_quote(text, exact, prefix, suffix, hint, expected):
    assert locate_quote(text, exact, prefix, suffix, hint) == expected


def test_locate_quote_finds_what_quote_selector_described_in_a_seed(seed_text):
    text = seed_text("003")
    repeated = "isolation"  # in the title, which the page repeats three times
    starts = [i for i in range(len(text)) if text.startswith(repeated, i)]
    for start in starts:
        exact, prefix, suffix = quote_selector(text, start, start + len(repeated))
        assert locate_quote(text, exact, prefix, suffix, hint=start) == (
            start, start + len(repeated))


# --- reanchor ---------------------------------------------------------------------------

OLD = "Title\n\nNATO troops are active.\n\nPutin spoke of red lines on Thursday.\n"


def _selector(text, words):
    start = text.index(words)
    exact, prefix, suffix = quote_selector(text, start, start + len(words))
    return exact, prefix, suffix, start


@pytest.mark.parametrize("new, expected", [
    pytest.param(OLD, (47, 56, "unchanged"), id="same-text"),
    pytest.param(OLD + "Another paragraph.\n", (47, 56, "unchanged"), id="added-below"),
    pytest.param(OLD.replace("Title\n\n", "Title\n\nA new 𝔘 paragraph.\n\n"),
                 (67, 76, "moved"), id="paragraph-inserted-above"),
    pytest.param(OLD.replace("Title", "A Longer Title"), (56, 65, "moved"),
                 id="title-renamed"),
    pytest.param(OLD.replace("Putin spoke", "Putin, on camera, spoke"),
                 (59, 68, "moved"), id="words-added-before-on-the-line"),
    pytest.param(OLD.replace("of red lines ", "of "), None, id="words-deleted"),
    pytest.param(OLD.replace("red lines", "red  lines"), None, id="words-changed"),
])
def test_reanchor_after_a_revision(new, expected):
    exact, prefix, suffix, start = _selector(OLD, "red lines")
    placed = reanchor(new, exact, prefix, suffix, start)
    assert placed == expected
    if placed is not None:
        assert new[placed[0]:placed[1]] == "red lines"


def test_reanchor_keeps_the_annotated_occurrence_when_the_words_repeat():
    old = "A cat sat. B cat ran."
    exact, prefix, suffix = quote_selector(old, 13, 16)  # B's cat
    # eleven characters added above: the old offset now points at A's cat
    new = "Dogs bark. " + old
    assert new[13:16] == "cat"
    assert reanchor(new, exact, prefix, suffix, 13) == (24, 27, "moved")


def test_reanchor_a_seed_annotation_after_a_paragraph_is_inserted(seed_text):
    old = seed_text("000")
    exact, prefix, suffix, start = _selector(old, "provocative actions.")
    new = old.replace("\n\n", "\n\nAn editor’s 𝔘 inserted paragraph.\n\n", 1)
    begin, end, state = reanchor(new, exact, prefix, suffix, start)
    assert (state, new[begin:end]) == ("moved", "provocative actions.")
    assert begin == start + len("An editor’s 𝔘 inserted paragraph.\n\n")
