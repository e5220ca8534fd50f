"""Re-anchoring: move annotation spans from an old text onto its revision.

First every span is mapped through the diff of the two texts (exact for spans whose
words were not touched); spans whose own words changed are then sought by their quote
with prefix and suffix, tolerating small edits and preferring the place nearest the
expected position. Below ``THRESHOLD`` a span becomes an orphan rather than sit on
wrong words. Offsets are code points; no Flask, no SQLAlchemy.

The work has a ceiling whatever the texts (see diffs.py): the diff is by line, then by
character inside changed lines, by word where that would cost too much, else the
changed lines stay one replaced stretch; the fuzzy search for changed quotes shares
FUZZY_BUDGET, and once that is spent a span is placed by where its ends map to.
"""

import re
from bisect import bisect_right
from dataclasses import dataclass
from difflib import SequenceMatcher
from itertools import accumulate

from .diffs import Budget, is_blank, matching_blocks, opcodes, pairs
from .canonical import locate_quote

THRESHOLD = 0.75  # least similarity of the words found to the old quote
WINDOW_SLACK = 200  # code points searched either side of the expected place
FUZZY_BUDGET = 1_000_000  # pairs of equal characters the fuzzy search may weigh, all spans
_WORDS = re.compile(r"\S+\s*|\s+")  # words with the spaces after them: the text, cut up
_SENTENCES = re.compile(r"[^.!?]+[.!?]*\s*|[.!?]+\s*")  # the same, cut into sentences


@dataclass(frozen=True)
class Span:
    """An annotation's span on the old text: ``id``, ``[start, end)``, quote and context."""

    id: object
    start: int
    end: int
    exact: str
    prefix: str = ""
    suffix: str = ""


@dataclass(frozen=True)
class Landing:
    """Where a span landed: state is unchanged, moved, fuzzy or orphaned."""

    id: object
    state: str
    start: int | None = None
    end: int | None = None
    score: float | None = None


class PositionMap:
    """Maps positions of the old text to the new one through the equal stretches of a diff."""

    def __init__(self, old, new, budget=None):
        self.blocks = _equal_blocks(old, new, budget or Budget())  # (old_start, new_start, size)
        self.starts = [block[0] for block in self.blocks]
        self.kept_before = [0, *accumulate(block[2] for block in self.blocks)]

    def _block(self, pos):
        i = bisect_right(self.starts, pos) - 1
        return self.blocks[i] if i >= 0 else None

    def exact(self, start, end):
        """Return the new ``(start, end)`` if ``[start, end)`` lies in one equal stretch."""
        block = self._block(start)
        if block is None:
            return None
        old_start, new_start, size = block
        if end <= old_start + size:
            return new_start + (start - old_start), new_start + (end - old_start)
        return None

    def approximate(self, pos):
        """Return where ``pos`` would be in the new text, even inside changed text."""
        block = self._block(pos)
        if block is None:
            return pos if not self.blocks else max(self.blocks[0][1] - (self.blocks[0][0] - pos), 0)
        old_start, new_start, size = block
        return new_start + min(pos - old_start, size)

    def kept(self, start, end):
        """Return how many code points of the old ``[start, end)`` are in equal stretches."""
        return self._kept_before(end) - self._kept_before(start)

    def _kept_before(self, pos):
        i = bisect_right(self.starts, pos) - 1
        if i < 0:
            return 0
        old_start, _, size = self.blocks[i]
        return self.kept_before[i] + min(pos - old_start, size)


def _equal_blocks(old, new, budget):
    """Return the equal stretches of ``old`` and ``new`` as (old, new, size) in code points.

    Lines are diffed first (fast on long texts); inside each replaced run of lines the
    characters are diffed, so a typo fixed in one paragraph leaves the rest exact; the
    words, where diffing the characters would pass the ``budget``; else nothing.
    """
    old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    old_offsets, new_offsets = _offsets(old_lines), _offsets(new_lines)
    line_blocks = matching_blocks(old_lines, new_lines, budget, isjunk=is_blank, fallback=True)
    blocks = []
    for tag, i1, i2, j1, j2 in opcodes(line_blocks, len(old_lines), len(new_lines)):
        a, b = old_offsets[i1], new_offsets[j1]
        if tag == "equal":
            blocks.append((a, b, old_offsets[i2] - a))
        elif tag == "replace":
            blocks.extend((a + x, b + y, size) for x, y, size in _inner_blocks(
                old[a:old_offsets[i2]], new[b:new_offsets[j2]], budget))
    return _merge(blocks)


def _inner_blocks(old, new, budget):
    """Equal stretches of two runs of changed lines: by character; where that would pass
    the budget, by word, else by sentence, then by character inside changed words or
    sentences as the budget allows; else only their common start and end."""
    blocks = matching_blocks(old, new, budget)
    if blocks is not None:
        return blocks
    for pattern in (_WORDS, _SENTENCES):
        old_pieces, new_pieces = pattern.findall(old), pattern.findall(new)
        coarse = matching_blocks(old_pieces, new_pieces, budget)
        if coarse is not None:
            return _refined(coarse, old_pieces, new_pieces, old, new, budget)
    return matching_blocks(old, new, Budget(0), fallback=True)


def _refined(blocks, old_pieces, new_pieces, old, new, budget):
    """Turn equal stretches of pieces into code points, diffing changed pieces by character."""
    old_at, new_at = _offsets(old_pieces), _offsets(new_pieces)
    refined = []
    for tag, i1, i2, j1, j2 in opcodes(blocks, len(old_pieces), len(new_pieces)):
        a, b = old_at[i1], new_at[j1]
        if tag == "equal":
            refined.append((a, b, old_at[i2] - a))
        elif tag == "replace":
            inner = matching_blocks(old[a:old_at[i2]], new[b:new_at[j2]], budget) or ()
            refined.extend((a + x, b + y, size) for x, y, size in inner)
    return refined


def _offsets(lines):
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    return offsets


def _merge(blocks):
    """Join adjacent stretches that continue each other."""
    merged = []
    for a, b, size in blocks:
        if merged and merged[-1][0] + merged[-1][2] == a and merged[-1][1] + merged[-1][2] == b:
            merged[-1] = (merged[-1][0], merged[-1][1], merged[-1][2] + size)
        else:
            merged.append((a, b, size))
    return merged


def reanchor_all(old, new, spans, threshold=THRESHOLD):
    """Return a Landing for every span of ``old`` moved onto ``new``; none is lost."""
    if old == new:
        return [Landing(s.id, "unchanged", s.start, s.end) for s in spans]
    positions = PositionMap(old, new)
    budget = Budget(FUZZY_BUDGET)
    return [_land(span, old, new, positions, threshold, budget) for span in spans]


def _land(span, old, new, positions, threshold, budget):
    mapped = positions.exact(span.start, span.end)
    if mapped is not None and new[mapped[0]:mapped[1]] == span.exact:
        state = "unchanged" if mapped == (span.start, span.end) else "moved"
        return Landing(span.id, state, *mapped)
    expected = positions.approximate(span.start)
    found = locate_quote(new, span.exact, span.prefix, span.suffix, hint=expected)
    if found is not None:
        return Landing(span.id, "moved", *found)
    if budget.take(_fuzzy_cost(new, span.exact, expected)):
        fuzzy = fuzzy_find(new, span.exact, expected, threshold)
    else:  # too long a quote, or the budget spent on others: place it by its ends
        fuzzy = _by_ends(span, new, positions, threshold)
    if fuzzy is None:
        return Landing(span.id, "orphaned")
    start, end, score = fuzzy
    return Landing(span.id, "fuzzy", start, end, round(score, 3))


def _by_ends(span, new, positions, threshold):
    """Return ``(start, end, score)`` where the span's ends map to, scored as
    SequenceMatcher.ratio would be with the diff's equal stretches as the matches."""
    start, end = _trim(new, positions.approximate(span.start), positions.approximate(span.end))
    if end <= start:
        return None
    score = 2 * positions.kept(span.start, span.end) / (span.end - span.start + end - start)
    return (start, end, score) if score >= threshold else None


def _window(text, quote, expected):
    """Return ``(lo, hi)``: where ``fuzzy_find`` looks for ``quote``."""
    return (max(0, expected - len(quote) - WINDOW_SLACK),
            min(len(text), expected + 2 * len(quote) + WINDOW_SLACK))


def _fuzzy_cost(text, quote, expected):
    """The pairs ``fuzzy_find`` weighs at most: its window, then two candidates no longer."""
    lo, hi = _window(text, quote, expected)
    return 3 * pairs(quote, text[lo:hi])


def fuzzy_find(text, quote, expected, threshold=THRESHOLD):
    """Return ``(start, end, score)`` of the stretch of ``text`` most like ``quote`` near
    ``expected``, or None when nothing there is at least ``threshold`` similar.

    Its work grows with the square of the quote's length: ``reanchor_all`` gives it
    only quotes whose cost fits its budget."""
    if not quote.strip():
        return None
    lo, hi = _window(text, quote, expected)
    window = text[lo:hi]
    matcher = SequenceMatcher(None, quote, window, autojunk=False)
    blocks = [b for b in matcher.get_matching_blocks() if b.size]
    if not blocks or sum(b.size for b in blocks) / len(quote) < threshold:
        return None
    # candidates: aligned on the longest matching stretch, or spanning all the matches
    first, last = blocks[0], blocks[-1]
    longest = max(blocks, key=lambda b: b.size)
    aligned = lo + longest.b - longest.a
    candidates = {
        (aligned, aligned + len(quote)),
        (lo + first.b - first.a, lo + last.b + last.size + len(quote) - last.a - last.size),
    }
    best = None
    for start, end in candidates:
        start, end = _trim(text, max(start, 0), min(end, len(text)))
        if end <= start:
            continue
        score = SequenceMatcher(None, quote, text[start:end], autojunk=False).ratio()
        if best is None or score > best[2]:
            best = (start, end, score)
    return best if best is not None and best[2] >= threshold else None


def _trim(text, start, end):
    """Shrink ``[start, end)`` so it neither starts nor ends with whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
