"""Cross-document matching: over the seeds, then over 100/300/1,000 generated documents of
similar length, printing how the time grows (near-linear means time per document stays flat).

    .venv/bin/python bench/matching.py
"""

import random
import time
from pathlib import Path

from reader.text.matching import find_matches, sentences
from reader.text.canonical import canonicalize

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def generated(n, rng, seed_texts):
    """n documents of seed-like length (about 6,000 characters) in prose drawn from the
    seeds' vocabulary with Zipf's word frequencies. There are n statements in the corpus
    (the seeds' sentences first); each document retells five of them with two words
    changed, so each statement appears in about five documents, whatever n is. As in real
    news, the vocabulary grows with the corpus (Heaps' law): every statement and document
    has a few names of its own (people, places, figures)."""
    counts = {}
    for text in seed_texts:
        for w in text.split():
            counts[w] = counts.get(w, 0) + 1
    words = sorted(counts, key=lambda w: -counts[w])
    weights = [1 / rank for rank in range(1, len(words) + 1)]  # Zipf, as real prose
    statements = [t[s.start:s.end] for i, t in enumerate(seed_texts) for s in sentences(i, t)]
    while len(statements) < n:
        names = [f"Name{len(statements)}x{k}" for k in range(2)]
        body = rng.choices(words, weights, k=rng.randint(10, 18)) + names
        rng.shuffle(body)
        statements.append(" ".join(body) + ".")
    statements = statements[:n]
    docs = []
    for i in range(n):
        parts = []
        for statement in rng.sample(statements, 5):
            retold = statement.split()
            for _ in range(2):  # a translation variant: a couple of words differ
                retold[rng.randrange(len(retold))] = rng.choices(words, weights)[0]
            parts.append(" ".join(retold))
        own = [f"Local{i}x{k}" for k in range(30)]
        while sum(map(len, parts)) < 6_000:
            body = rng.choices(words, weights, k=rng.randint(8, 20)) + [rng.choice(own)]
            parts.append(" ".join(body) + ".")
        rng.shuffle(parts)
        docs.append((i, "\n\n".join(parts)))
    return docs


def timed(docs):
    start = time.perf_counter()
    matches = find_matches(docs)
    return time.perf_counter() - start, len(matches)


def main():
    seed_texts = [canonicalize(p.read_bytes()) for p in sorted(SEEDS.glob("*.txt"))]
    seconds, found = timed(list(enumerate(seed_texts)))
    print(f"seeds (5 documents): {seconds * 1000:.1f} ms, {found} matching sentence pairs")
    rng = random.Random(3)
    base = None
    for n in (100, 300, 1_000):
        seconds, found = timed(generated(n, rng, seed_texts))
        per_doc = seconds / n
        base = base or per_doc
        print(f"{n:>5} documents: {seconds:6.2f} s, {per_doc * 1000:6.2f} ms per document "
              f"({per_doc / base:4.2f}x the per-document time at 100), {found} pairs")


if __name__ == "__main__":
    main()
