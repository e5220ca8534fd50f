"""Re-anchoring: move annotation spans from an old text onto its revision.

First every span is mapped through the diff of the two texts (exact for spans whose
words were not touched); spans whose own words changed are then sought by their quote
with prefix and suffix, tolerating small edits and preferring the place nearest the
expected position. Below ``THRESHOLD`` a span becomes an orphan rather than sit on
wrong words. Offsets are code points; no Flask, no SQLAlchemy.
"""

from bisect import bisect_right
from dataclasses import dataclass
from difflib import SequenceMatcher

from .text import locate_quote

THRESHOLD = 0.75  # least similarity of the words found to the old quote
WINDOW_SLACK = 200  # code points searched either side of the expected place


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

    def __init__(self, old, new):
        self.blocks = _equal_blocks(old, new)  # (old_start, new_start, size), sorted
        self.starts = [block[0] for block in self.blocks]

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


def _equal_blocks(old, new):
    """Return the equal stretches of ``old`` and ``new`` as (old, new, size) in code points.

    Lines are diffed first (fast on long texts); inside each replaced run of lines the
    characters are diffed, so a typo fixed in one paragraph leaves the rest exact.
    """
    old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    old_offsets, new_offsets = _offsets(old_lines), _offsets(new_lines)
    blocks = []
    matcher = SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        a, b = old_offsets[i1], new_offsets[j1]
        if tag == "equal":
            blocks.append((a, b, old_offsets[i2] - a))
        elif tag == "replace":
            chars = SequenceMatcher(None, old[a:old_offsets[i2]], new[b:new_offsets[j2]],
                                    autojunk=False)
            blocks.extend((a + x, b + y, size) for x, y, size in chars.get_matching_blocks()
                          if size)
    return _merge(blocks)


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
    return [_land(span, old, new, positions, threshold) for span in spans]


def _land(span, old, new, positions, threshold):
    mapped = positions.exact(span.start, span.end)
    if mapped is not None and new[mapped[0]:mapped[1]] == span.exact:
        state = "unchanged" if mapped == (span.start, span.end) else "moved"
        return Landing(span.id, state, *mapped)
    expected = positions.approximate(span.start)
    found = locate_quote(new, span.exact, span.prefix, span.suffix, hint=expected)
    if found is not None:
        return Landing(span.id, "moved", *found)
    fuzzy = fuzzy_find(new, span.exact, expected, threshold)
    if fuzzy is None:
        return Landing(span.id, "orphaned")
    start, end, score = fuzzy
    return Landing(span.id, "fuzzy", start, end, round(score, 3))


def fuzzy_find(text, quote, expected, threshold=THRESHOLD):
    """Return ``(start, end, score)`` of the stretch of ``text`` most like ``quote`` near
    ``expected``, or None when nothing there is at least ``threshold`` similar."""
    if not quote.strip():
        return None
    lo = max(0, expected - len(quote) - WINDOW_SLACK)
    hi = min(len(text), expected + 2 * len(quote) + WINDOW_SLACK)
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
