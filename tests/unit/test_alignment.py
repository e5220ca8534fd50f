"""Two reports of one speech aligned passage by passage (seeds 000 and 001)."""

from pathlib import Path

import pytest

from reader.text.alignment import align, passages, sentence_matches
from reader.text.canonical import canonicalize

SEEDS = Path(__file__).resolve().parents[2] / "seeds"

# What an editor pairs in the two reports, by a phrase from each side. The second pair is
# the Russia-China passage told on both sides over two paragraphs: one pair.
EDITOR_PAIRS = [
    ("a new pretext for tensions in the region", "a new reason for tension in our region"),
    ("trying to drive a wedge between Moscow and Beijing. We are well aware",
     "We see this, and we are addressing the issue with China"),
    ("forge a closer relationship", "the highest level in its history"),
    ("positions sometimes drastically differ", "positions are in fact different"),
    ("we are open to connecting and exchanging views",
     "we are open to contacts, exchange of views"),
]
EDITOR_PAIR_COUNT = 3  # rows: the migrant crisis, Russia and China, dialogue with the US
# Passages alike in words that are not the same statement: never one pair.
NOT_PAIRS = [
    ("we talk about red lines", "crosses the red line"),
    ("expelling eight Russian diplomats", "expelled Russian diplomats"),
    ("Russia will proactively participate", "The problem of climate change"),
    ("gave a keynote address", "In an expanded meeting at the Russian Foreign Ministry, Russian"),
    ("Moscow has continued to call for dialogue", "Putin reiterated that Russia is open"),
    ("Driving a wedge between Russia and China", "Western parties are trying to drive a wedge"),
    ("Some of our Western partners", "Western parties are trying to drive a wedge"),
]


def _seed(prefix):
    return canonicalize(next(SEEDS.glob(f"{prefix}_*.txt")).read_bytes())


@pytest.fixture(scope="module")
def rows():
    a, b = _seed("000"), _seed("001")
    return [(blk.paired, _words(a, blk.a), _words(b, blk.b)) for blk in align(a, b)]


def _words(text, found):
    """The passages' words with every space a plain one (the seeds have no-break spaces)."""
    return " ".join(" ".join(text[p.start:p.end].split()) for p in found)


@pytest.mark.parametrize("phrase_a, phrase_b", EDITOR_PAIRS)
def test_every_pair_an_editor_makes_is_one_row(rows, phrase_a, phrase_b):
    assert [(pa, pb) for paired, pa, pb in rows if phrase_a in pa and phrase_b in pb
            and paired] != []


def test_no_other_pair(rows):
    assert sum(paired for paired, _, _ in rows) == EDITOR_PAIR_COUNT
    for paired, a, b in rows:
        if paired:
            assert any(pa in a and pb in b for pa, pb in EDITOR_PAIRS)


@pytest.mark.parametrize("phrase_a, phrase_b", NOT_PAIRS)
def test_alike_words_of_other_statements_are_not_paired(rows, phrase_a, phrase_b):
    assert not [1 for paired, a, b in rows if paired and phrase_a in a and phrase_b in b]


def test_rows_keep_every_passage_once_and_the_first_text_in_order(rows):
    a, b = _seed("000"), _seed("001")
    blocks = align(a, b)
    shown_a = [p.index for blk in blocks for p in blk.a]
    shown_b = sorted(p.index for blk in blocks for p in blk.b)
    assert shown_a == list(range(len(passages(a))))
    assert shown_b == list(range(len(passages(b))))


def test_a_headline_stays_over_its_paragraph_in_the_second_text(rows):
    [row] = [i for i, (paired, a, b) in enumerate(rows) if paired and "Belarusian" in a]
    assert rows[row - 1][2].endswith("Europe is using the migrant crisis to pressure Minsk")


@pytest.mark.parametrize("first, second", [
    (a, b) for a in ("000", "001", "002", "003", "004") for b in ("002", "003", "004") if a < b])
def test_reports_of_other_statements_have_no_pairs(first, second):
    assert [blk.paired for blk in align(_seed(first), _seed(second))].count(True) == 0


def test_a_text_repeating_one_sentence_costs_bounded_work():
    sentence = "Western countries are using the migration crisis on the border as a pretext.\n"
    text = sentence * 5_000  # every stem in every sentence: no stem is worth looking up
    assert sentence_matches(text, text) == {}
    assert [blk.paired for blk in align(text, "")] == [False]


def test_identical_texts_pair_paragraph_by_paragraph():
    text = "\n".join(f"Paragraph {n} tells of {w} harbours, ports, vessels and captains sailing."
                     for n, w in enumerate(["northern", "southern", "eastern", "western"]))
    blocks = align(text, text)
    assert [(blk.paired, [p.index for p in blk.a], [p.index for p in blk.b]) for blk in blocks] \
        == [(True, [n], [n]) for n in range(4)]


def test_passages_told_in_another_order_are_all_paired_in_the_first_texts_order():
    told = [f"The minister said {w} harbours, ports, vessels and captains need new rules."
            for w in ("northern", "southern", "eastern")]
    retold = [s.replace("need new rules", "require new regulations") for s in reversed(told)]
    blocks = align("\n".join(told), "\n".join(retold))
    assert [(blk.paired, [p.index for p in blk.a], [p.index for p in blk.b])
            for blk in blocks] == [(True, [0], [2]), (True, [1], [1]), (True, [2], [0])]


def test_a_statement_split_over_two_paragraphs_pairs_with_the_one_that_holds_it_whole():
    first = "The minister said northern harbours, ports, vessels and captains need new rules."
    second = "She added that southern fisheries, trawlers, nets and crews deserve more money."
    blocks = align(f"{first}\n{second}\nAn unrelated closing line about the weather today.",
                   f"Opening words.\n{first} {second}")
    [pair] = [blk for blk in blocks if blk.paired]
    assert [p.index for p in pair.a] == [0, 1] and [p.index for p in pair.b] == [1]
