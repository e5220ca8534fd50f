"""Re-anchor N annotations after a typical edit of a ~100 KB text; compare with placing every
annotation by its quote alone, measured in the same run.

    .venv/bin/python bench/reanchor.py            (1k, 10k and 100k annotations)
"""

import random
import sys
import time
from pathlib import Path

from reader.text.anchoring import Span, reanchor_all
from reader.text.canonical import canonicalize, locate_quote, quote_selector

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def corpus(rng, size=100_000):
    """About ``size`` code points of prose made of the seeds' words in random order.

    Random order keeps passages from repeating (as real texts rarely do), so a deleted
    paragraph's notes have nowhere else to go.
    """
    words = sorted({w for p in SEEDS.glob("*.txt") for w in canonicalize(p.read_bytes()).split()})
    paragraphs, length = [], 0
    while length < size:
        sentences = [" ".join(rng.choice(words) for _ in range(rng.randint(8, 20))) + "."
                     for _ in range(rng.randint(2, 6))]
        paragraphs.append(" ".join(sentences))
        length += len(paragraphs[-1]) + 2
    return "\n\n".join(paragraphs)


def spans(text, n, rng):
    """n spans of 2 to 8 words at random places."""
    words = [(m, m + len(w)) for m, w in _words(text)]
    result = []
    for i in range(n):
        first = rng.randrange(len(words) - 8)
        start, end = words[first][0], words[first + rng.randint(1, 7)][1]
        exact, prefix, suffix = quote_selector(text, start, end)
        result.append(Span(i, start, end, exact, prefix, suffix))
    return result


def _words(text):
    pos = 0
    for word in text.split(" "):
        if word.strip():
            yield pos, word
        pos += len(word) + 1


def typical_edit(text, rng):
    """An editor's pass: a paragraph inserted, a typo fixed, a paragraph deleted, quotes changed."""
    paragraphs = text.split("\n\n")
    paragraphs.insert(len(paragraphs) // 3, "An editor's note added to the text, a new paragraph.")
    del paragraphs[2 * len(paragraphs) // 3]
    i = rng.randrange(len(paragraphs))
    paragraphs[i] = paragraphs[i].replace("the", "teh", 1)
    j = rng.randrange(len(paragraphs))
    paragraphs[j] = paragraphs[j].replace("“", '"').replace("”", '"')
    return "\n\n".join(paragraphs)


def main():
    rng = random.Random(7)
    old = corpus(rng)
    new = typical_edit(old, rng)
    print(f"text: {len(old):,} code points; edit: +1 paragraph, -1 paragraph, a typo, quote marks")
    sizes = [int(a) for a in sys.argv[1:]] or [1_000, 10_000, 100_000]
    for n in sizes:
        sample = spans(old, n, rng)
        start = time.perf_counter()
        for span in sample:
            locate_quote(new, span.exact, span.prefix, span.suffix, hint=span.start)
        quote_only = time.perf_counter() - start
        start = time.perf_counter()
        landings = reanchor_all(old, new, sample)
        ours = time.perf_counter() - start
        states = {}
        for landing in landings:
            states[landing.state] = states.get(landing.state, 0) + 1
        print(f"{n:>7,} annotations: re-anchor {ours:6.2f} s ({ours / n * 1e6:5.1f} µs each), "
              f"quote-only {quote_only:6.2f} s, ratio {ours / quote_only:5.2f}  {states}")


if __name__ == "__main__":
    main()
