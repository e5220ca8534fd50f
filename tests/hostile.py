"""Hostile inputs shared by the unit and app tests, and a counter of the work they cause."""

import random
from difflib import SequenceMatcher

from reader.text import anchoring, diffs
from reader.text.diffs import pairs

WORDS = ("the", "talks", "with", "NATO", "were", "constructive", "said", "Moscow", "sanctions",
         "on", "and", "a", "of", "relationship", "China", "crisis")


def long_lines(seed, size=20_000, edits=30):
    """Return ``(old, new, rng)``: a title and two paragraphs of ``size`` code points, each one
    long line of short sentences, and a copy with ``edits`` characters changed."""
    rng = random.Random(seed)

    def paragraph():
        sentences = (" ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 20))) + "."
                     for _ in range(size // 60))
        return " ".join(sentences)[:size]
    old = "A title\n\n" + paragraph() + "\n\n" + paragraph() + "\n"
    new = list(old)
    for _ in range(edits):
        new[rng.randrange(10, len(new) - 10)] = "#"
    return old, "".join(new), rng


def count_weighing(monkeypatch):
    """Make every SequenceMatcher of the diffs and re-anchoring count the pairs of equal
    elements it is given to weigh (its work); return the dict holding the count."""
    counter = {"pairs": 0}

    class CountingMatcher(SequenceMatcher):
        def __init__(self, isjunk=None, a="", b="", autojunk=True):
            counter["pairs"] += pairs(a, b, isjunk)
            super().__init__(isjunk, a, b, autojunk)
    monkeypatch.setattr(diffs, "SequenceMatcher", CountingMatcher)
    monkeypatch.setattr(anchoring, "SequenceMatcher", CountingMatcher)
    return counter
