"""Find passages in different documents that report the same statement.

Sentences are reduced to sets of content-word stems, so two translations of one
sentence ("a new pretext for tensions" / "a new reason for tension") still share
most of them. Candidates come from an inverted index over each sentence's rarest
stems (names, places, numbers: what two reports of one statement share), so the work
grows about linearly with the corpus, and has a ceiling per sentence whatever the
texts (MAX_STEMS stems compared with at most MAX_CANDIDATES others). Offsets are code
points.
"""

import re
from bisect import bisect_left
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice

MIN_SHARED = 5  # stems two sentences must share
MIN_OVERLAP = 0.6  # shared stems / stems of the shorter sentence
PROBES = 6  # each sentence is indexed and looked up by its rarest stems only
MAX_POSTINGS = 100  # a stem in more sentences than this says nothing about sameness
MAX_CANDIDATES = 100  # sentences compared with each: those sharing most of its rarest stems
MAX_STEMS = 80  # stems of a sentence compared (a run-on "sentence" of a whole text has more)
STOPWORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for from
further had has have having he her here hers him his how i if in into is it its itself just
me more most my no nor not now of off on once only or other our ours out over own same she
should so some such than that the their theirs them then there these they this those through
to too under until up very was we were what when where which while who whom why will with
would you your said says say also mr ms
""".split())
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+[”’\"']?|$)", re.MULTILINE)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_SUFFIXES = ("ations", "ation", "ities", "ity", "ings", "ing", "ness", "ions", "ion", "ies",
             "ed", "es", "ly", "s")


@dataclass(frozen=True)
class Sentence:
    """A sentence of a document: ``text[start:end]`` and its stems."""

    doc: object
    start: int
    end: int
    stems: frozenset


@dataclass(frozen=True)
class Match:
    """Two sentences in different documents that say the same thing, with a score in 0..1."""

    a: Sentence
    b: Sentence
    score: float
    shared: int


@lru_cache(maxsize=65_536)  # a corpus repeats its words: each is stemmed once
def stem(word):
    """Return a crude English stem: lower case, common suffixes cut."""
    word = word.lower()
    for suffix in _SUFFIXES:
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def sentences(doc, text):
    """Yield the Sentences of ``text`` that have enough content words to compare."""
    for match in _SENTENCE.finditer(text):
        start, end = match.span()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        stems = frozenset(islice(dict.fromkeys(
            stem(w) for w in _WORD.findall(text[start:end])
            if len(w) > 2 and w.lower() not in STOPWORDS), MAX_STEMS))
        if len(stems) >= MIN_SHARED:
            yield Sentence(doc, start, end, stems)


def find_matches(documents, min_shared=MIN_SHARED, min_overlap=MIN_OVERLAP):
    """Return Matches between sentences of different documents, best first.

    ``documents`` is an iterable of ``(doc id, text)``.
    """
    all_sentences = [s for doc, text in documents for s in sentences(doc, text)]
    frequency = Counter(word for sentence in all_sentences for word in sentence.stems)
    probes = [sorted(sentence.stems, key=lambda w: (frequency[w], w))[:PROBES]
              for sentence in all_sentences]
    postings = defaultdict(list)
    for index, keys in enumerate(probes):
        for word in keys:
            postings[word].append(index)
    matches = []
    later = _later_documents(all_sentences)
    for index, sentence in enumerate(all_sentences):
        shared_probes = Counter()
        for word in probes[index]:
            posting = postings[word]  # ascending: cut to later documents' sentences (each pair once)
            if len(posting) <= MAX_POSTINGS:
                shared_probes.update(posting[bisect_left(posting, later[index]):])
        for other, _ in shared_probes.most_common(MAX_CANDIDATES):  # most alike first
            peer = all_sentences[other]
            shared = len(sentence.stems & peer.stems)
            overlap = shared / min(len(sentence.stems), len(peer.stems))
            if shared >= min_shared and overlap >= min_overlap:
                matches.append(Match(sentence, peer, round(overlap, 3), shared))
    matches.sort(key=lambda m: (-m.score, -m.shared))
    return matches


def _later_documents(all_sentences):
    """Return, per sentence, the index where the next document's sentences begin (a
    document's sentences are consecutive)."""
    later = [len(all_sentences)] * len(all_sentences)
    for index in range(len(all_sentences) - 2, -1, -1):
        same = all_sentences[index].doc == all_sentences[index + 1].doc
        later[index] = later[index + 1] if same else index + 1
    return later
