"""Align two reports of one statement passage by passage, for reading them side by side.

A passage is a paragraph (a non-blank line). Two passages pair when sentences of
theirs match (matching.py's stems and thresholds); each passage pairs at most once,
the pairs sharing most stems first, so a headline that repeats a quoted sentence does
not take the quote's place. A pair then takes in the passages next to it on both sides
when those two share enough stems (a report that splits the statement differently).
The result is a list of Blocks in the first document's order: pairs, and between them
the passages that pair with nothing, each side in its own order. The work is linear in
the two texts: each sentence is compared with at most MAX_CANDIDATES others, found through
an index of stems. Offsets are code points. Pure: no Flask, no SQLAlchemy.
"""

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from .matching import MIN_OVERLAP, MIN_SHARED, sentences, stem

MAX_CANDIDATES = 50  # sentences of the other text compared with each sentence
MAX_POSTINGS = 200  # a stem in more sentences than this says nothing about sameness
NEIGHBOUR_SHARED = 3  # stems two unpaired neighbours of a pair must share to join it
_LINE = re.compile(r"[^\n]+")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_CLOSING = "\"'”’»)]"


@dataclass(frozen=True)
class Passage:
    """A paragraph: ``text[start:end]``, its position among the paragraphs, and its stems."""

    index: int
    start: int
    end: int
    stems: frozenset
    heading: bool


@dataclass
class Block:
    """A row of the comparison: a pair (``paired``) or the unpaired passages between pairs."""

    a: list = field(default_factory=list)  # Passages of the first text
    b: list = field(default_factory=list)  # Passages of the second text
    paired: bool = False


def passages(text):
    """Return the Passages of ``text``: its non-blank lines, trimmed of spaces."""
    found = []
    for match in _LINE.finditer(text):
        start, end = match.span()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start == end:
            continue
        words = text[start:end]
        stems = frozenset(stem(w) for w in _WORD.findall(words) if len(w) > 2)
        last = words.rstrip(_CLOSING)[-1:]
        heading = len(words.split()) <= 14 and last not in (".", "!", "?", ":", ";", ",")
        found.append(Passage(len(found), start, end, stems, heading))
    return found


def sentence_matches(text_a, text_b):
    """Return ``{(a sentence, b sentence): shared stems}`` for the sentences that match.

    Each sentence of ``text_a`` is compared with the MAX_CANDIDATES sentences of
    ``text_b`` sharing most of its stems (an index of stems finds them).
    """
    left, right = list(sentences("a", text_a)), list(sentences("b", text_b))
    postings = defaultdict(list)
    for index, sentence in enumerate(right):
        for word in sentence.stems:
            postings[word].append(index)
    found = {}
    for sentence in left:
        counts = Counter()
        for word in sentence.stems:
            if len(postings.get(word, ())) <= MAX_POSTINGS:
                counts.update(postings.get(word, ()))
        for other, shared in counts.most_common(MAX_CANDIDATES):
            peer = right[other]
            if shared >= MIN_SHARED and \
                    shared / min(len(sentence.stems), len(peer.stems)) >= MIN_OVERLAP:
                found[sentence, peer] = shared
    return found


def align(text_a, text_b):
    """Return the Blocks that show ``text_a`` and ``text_b`` side by side (see the module)."""
    left, right = passages(text_a), passages(text_b)
    pairs, weight = _pair(left, right, sentence_matches(text_a, text_b))
    _take_in_neighbours(pairs, left, right, weight)
    return _blocks(left, right, pairs)


def _pair(left, right, matches):
    """Return ``({a index: b index}, weight)``: passages whose sentences match, each paired
    once; ``weight[a, b]`` is the stems their matching sentences share."""
    starts_a, starts_b = [p.start for p in left], [p.start for p in right]
    weight = Counter()
    for (a, b), shared in matches.items():
        weight[_containing(starts_a, a.start), _containing(starts_b, b.start)] += shared
    ranked = sorted(weight, key=lambda ab: (-weight[ab], -len(left[ab[0]].stems & right[ab[1]].stems),
                                            ab))
    pairs, taken = {}, set()
    for a, b in ranked:
        if a not in pairs and b not in taken:
            pairs[a] = b
            taken.add(b)
    return pairs, weight


def _containing(starts, offset):
    """Index of the passage (by its start) that holds ``offset``."""
    lo, hi = 0, len(starts) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if starts[mid] <= offset:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _take_in_neighbours(pairs, left, right, weight):
    """Widen each pair into runs of neighbouring passages; ``pairs`` becomes
    ``{first a index: (a indexes, b indexes)}``.

    An unpaired passage next to a pair, not a headline, joins it when a sentence of it
    matches a passage on the pair's other side (a statement one report splits over two
    paragraphs), or when the passages next to the pair on both sides are such passages
    and share NEIGHBOUR_SHARED stems (a report that goes on with the statement in other
    words).
    """
    taken_a, taken_b = set(pairs), set(pairs.values())
    runs = {}
    for a, b in sorted(pairs.items()):
        run_a, run_b = [a], [b]
        grown = True
        while grown:
            grown = False
            for step in (-1, 1):
                edge_a, edge_b = (run_a[0], run_b[0]) if step < 0 else (run_a[-1], run_b[-1])
                i, j = edge_a + step, edge_b + step
                free_a = 0 <= i < len(left) and i not in taken_a and not left[i].heading
                free_b = 0 <= j < len(right) and j not in taken_b and not right[j].heading
                join_a = free_a and any(weight[i, k] for k in run_b)
                join_b = free_b and any(weight[k, j] for k in run_a)
                if not (join_a or join_b) and free_a and free_b \
                        and len(left[i].stems & right[j].stems) >= NEIGHBOUR_SHARED:
                    join_a = join_b = True
                for join, index, run, taken in ((join_a, i, run_a, taken_a),
                                                (join_b, j, run_b, taken_b)):
                    if join:
                        taken.add(index)
                        run.insert(0 if step < 0 else len(run), index)
                        grown = True
        runs[a] = (run_a, run_b)
    pairs.clear()
    pairs.update(runs)


def _blocks(left, right, runs):
    """Lay out the pairs in the first text's order with the unpaired passages between them.

    The second text's headlines cut it into sections. An unpaired passage of it stays with
    a pair of its own section (before the pair that follows it, else after the one before
    it); a section without a pair follows the pair before it in its text; what comes
    before any pair and any headline leads.
    """
    order = sorted(runs.items())  # by first passage of text a
    row_of_b = {}
    for row, (_, (_, run_b)) in enumerate(order):
        for j in run_b:
            row_of_b[j] = row
    sections, section = [], -1 if right and not right[0].heading else 0
    for passage in right:
        section += passage.heading and bool(sections)
        sections.append(section)
    following = {}  # section -> rows of its pairs, in the second text's order
    for j, row in sorted(row_of_b.items()):
        following.setdefault(sections[j], []).append((j, row))
    before, after, leading = defaultdict(list), defaultdict(list), []
    previous = None
    for j, passage in enumerate(right):
        if j in row_of_b:
            previous = row_of_b[j]
            continue
        own = following.get(sections[j], ())
        upcoming = next((row for k, row in own if k > j), None)
        if upcoming is not None and sections[j] >= 0:
            before[upcoming].append(passage)
        elif previous is not None:
            after[previous].append(passage)
        else:
            leading.append(passage)
    paired_a = {i for _, (run_a, _) in order for i in run_a}
    blocks, gap = [], Block(b=leading)
    cursor = 0
    for row, (_, (run_a, run_b)) in enumerate(order):
        gap.a.extend(p for p in left[cursor:run_a[0]] if p.index not in paired_a)
        gap.b.extend(before[row])
        if gap.a or gap.b:
            blocks.append(gap)
        blocks.append(Block([left[i] for i in run_a], [right[j] for j in run_b], paired=True))
        cursor = max(cursor, run_a[-1] + 1)
        gap = Block(b=list(after[row]))
    gap.a.extend(p for p in left[cursor:] if p.index not in paired_a)
    if gap.a or gap.b:
        blocks.append(gap)
    return blocks
