"""Re-anchoring spans onto a revised text: the edits people really make, and properties."""

from difflib import SequenceMatcher

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.text.anchoring import THRESHOLD, Span, fuzzy_find, reanchor_all
from reader.text.canonical import quote_selector

OLD = (
    "Putin speaks to diplomats\n\n"
    "The president said the talks with NATO were “constructive” and serious.\n\n"
    "Western countries are using the migration crisis to pressure Minsk.\n\n"
    "Russia will continue to forge a closer relationship with China.\n"
)


def span(text, words, span_id=1, occurrence=0):
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(words, start + 1)
    exact, prefix, suffix = quote_selector(text, start, start + len(words))
    return Span(span_id, start, start + len(words), exact, prefix, suffix)


def land(old, new, words, occurrence=0):
    [landing] = reanchor_all(old, new, [span(old, words, occurrence=occurrence)])
    return landing, (new[landing.start:landing.end] if landing.start is not None else None)


@pytest.mark.parametrize("edit, words, state, landed_on", [
    # a paragraph inserted above: the words move, exactly
    (lambda t: t.replace("Putin speaks to diplomats\n\n",
                         "Putin speaks to diplomats\n\nAn added paragraph of context.\n\n"),
     "migration crisis", "moved", "migration crisis"),
    # a typo fixed inside the span: found again, fuzzily
    (lambda t: t.replace("talks with NATO were", "talks with NATO  were").replace(
        "constructive", "constrictive"), "talks with NATO were “constructive”", "fuzzy",
     "talks with NATO  were “constrictive”"),
    # the span's own paragraph deleted: an orphan, not wrong words
    (lambda t: t.replace("Western countries are using the migration crisis to pressure Minsk.\n\n", ""),
     "using the migration crisis to pressure", "orphaned", None),
    # another paragraph deleted: the span stays on its words
    (lambda t: t.replace("Western countries are using the migration crisis to pressure Minsk.\n\n", ""),
     "closer relationship with China", "moved", "closer relationship with China"),
    # straight quotes instead of curly ones: a small change inside the span
    (lambda t: t.replace("“constructive”", '"constructive"'), "were “constructive” and serious",
     "fuzzy", 'were "constructive" and serious'),
    # whitespace changed elsewhere only: unchanged position for text before it
    (lambda t: t.replace("closer relationship", "closer  relationship"), "The president said",
     "unchanged", "The president said"),
    # the words rewritten entirely: an orphan
    (lambda t: t.replace("Russia will continue to forge a closer relationship with China.",
                         "Moscow and Beijing signed a trade deal."),
     "forge a closer relationship", "orphaned", None),
])
def test_the_edits_people_make(edit, words, state, landed_on):
    landing, text = land(OLD, edit(OLD), words)
    assert landing.state == state
    assert text == landed_on
    if state == "fuzzy":
        assert landing.score >= THRESHOLD


def test_a_repeated_short_quote_keeps_its_own_occurrence():
    old = "A cat sat. B's cat ran. C's cat hid.\n"
    new = "Intro.\n" + old
    landing, text = land(old, new, "cat", occurrence=1)
    assert text == "cat" and new[landing.start - 4:landing.start] == "B's "


def test_an_unchanged_text_keeps_every_span():
    spans = [span(OLD, "NATO", 1), span(OLD, "Minsk", 2)]
    assert [(l.state, l.start) for l in reanchor_all(OLD, OLD, spans)] == [
        ("unchanged", spans[0].start), ("unchanged", spans[1].start)]


def test_fuzzy_find_refuses_dissimilar_text():
    assert fuzzy_find("completely different words here", "the migration crisis", 5) is None


words = st.text(alphabet="abcdefghij", min_size=1, max_size=6)
texts = st.lists(words, min_size=5, max_size=60).map(" ".join)


@st.composite
def revision(draw):
    """A text, spans on it, and an edit somewhere: an insertion, deletion or replacement."""
    old = draw(texts)
    spans = []
    for i in range(draw(st.integers(1, 8))):
        start = draw(st.integers(0, len(old) - 1))
        end = draw(st.integers(start + 1, min(len(old), start + 20)))
        if old[start:end].strip():
            exact, prefix, suffix = quote_selector(old, start, end)
            spans.append(Span(i, start, end, exact, prefix, suffix))
    at = draw(st.integers(0, len(old)))
    cut = draw(st.integers(0, min(10, len(old) - at)))
    inserted = draw(st.text(alphabet="klmnop \n", max_size=15))
    return old, old[:at] + inserted + old[at + cut:], spans, (at, at + cut)


@settings(max_examples=300, deadline=None)
@given(revision())
def test_properties_of_reanchoring(case):
    old, new, spans, (cut_start, cut_end) = case
    landings = reanchor_all(old, new, spans)
    assert [l.id for l in landings] == [s.id for s in spans]  # none lost
    for s, l in zip(spans, landings):
        if l.state == "orphaned":
            assert l.start is None
            continue
        found = new[l.start:l.end]
        untouched = s.end <= cut_start or s.start >= cut_end
        if l.state in ("unchanged", "moved"):
            assert found == s.exact  # exact words, never others
        else:
            assert SequenceMatcher(None, s.exact, found).ratio() >= THRESHOLD
        if untouched and cut_start != cut_end or untouched and new != old:
            assert found == s.exact  # words outside the edit land on the same words
