"""Near-duplicate sentences across documents, tolerant of translation variants."""

from pathlib import Path

from reader.text.matching import find_matches, sentences, stem
from reader.text.canonical import canonicalize

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def _seed(prefix):
    return canonicalize(next(SEEDS.glob(f"{prefix}_*.txt")).read_bytes())


def test_two_translations_of_one_sentence_match():
    a = ("Western countries are using the migration crisis on the Belarusian-Polish border "
         "as a new pretext for tensions in the region.")
    b = ("One cannot but see that Western countries are using the migration crisis on the "
         "Belarusian-Polish border as a new reason for tension in our region.")
    [match] = find_matches([("a", a), ("b", b)])
    assert match.score >= 0.8 and {match.a.doc, match.b.doc} == {"a", "b"}


def test_unrelated_sentences_and_same_document_pairs_do_not_match():
    a = "Russia will continue to forge a closer relationship with our good neighbours in China."
    b = "The Arab Spring was initially received with hope for positive change in the region."
    assert find_matches([("a", a), ("b", b)]) == []
    assert find_matches([("a", a + " " + a)]) == []


def test_the_seeds_report_the_same_statements():
    texts = {"000": _seed("000"), "001": _seed("001")}
    matches = find_matches(texts.items())
    quoted = [(texts[m.a.doc][m.a.start:m.a.end], texts[m.b.doc][m.b.start:m.b.end])
              for m in matches]
    assert any("Belarusian-Polish" in a and "Belarusian-Polish" in b for a, b in quoted)
    assert any("wedge" in a and "wedge" in b for a, b in quoted)


def test_sentence_offsets_are_code_points_of_the_text():
    text = ("𝔘nicode first sentence with several content words here. "
            "Second sentence carries other content words again.")
    found = list(sentences("d", text))
    assert [text[s.start:s.end] for s in found] == [
        "𝔘nicode first sentence with several content words here.",
        "Second sentence carries other content words again."]


def test_stems_fold_inflections():
    assert stem("Tensions") == stem("tension")
    assert stem("partners") == stem("partner") and stem("talks") == stem("talk")
