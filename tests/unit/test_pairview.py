"""The words two tellings of one passage do not share, marked; every piece escaped."""

from reader.text.diffs import Budget
from reader.text.pairview import marked_pair


def test_only_the_words_one_side_lacks_are_marked():
    [a], [b], marked = marked_pair(["a new pretext for tensions in the region"],
                                   ["a new reason for tensions in our region"])
    assert marked
    assert a == 'a new <mark class="differs">pretext</mark> for tensions in ' \
                '<mark class="differs">the</mark> region'
    assert b == 'a new <mark class="differs">reason</mark> for tensions in ' \
                '<mark class="differs">our</mark> region'


def test_case_spaces_and_kinds_of_quote_marks_are_not_differences():
    [a], [b], _ = marked_pair(["“Naturally”, THIS\u00a0is it"], ['"naturally", this is it'])
    assert "differs" not in a and "differs" not in b


def test_hostile_text_is_escaped_on_both_sides():
    [a], [b], _ = marked_pair(['<script>alert(1)</script> "x"'], ['<img src=x onerror=alert(1)>'])
    assert "<script" not in a and "</script" not in a and "<img" not in b
    assert a.count("&lt;") == 2 and b.count("&lt;") == 1 and "&quot;x&quot;" in a


def test_several_passages_a_side_come_back_one_each():
    a, b, _ = marked_pair(["First part here.", "Second part here."], ["First part there."])
    assert len(a) == 2 and len(b) == 1
    assert a[1].startswith('<mark class="differs">Second part here')


def test_past_the_budget_nothing_is_marked_and_it_says_so():
    words = " ".join(f"w{n % 50}" for n in range(2_000))
    [a], [b], marked = marked_pair([words + " end"], ["start " + words], Budget(1_000))
    assert not marked and "differs" not in a + b and a.startswith("w0 w1")
