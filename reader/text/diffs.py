"""Diffs with a ceiling on their work: fine where that is cheap, coarser where it is not.

difflib's SequenceMatcher weighs every pair of equal elements of its two sequences:
diffing two 46,000-character lines by character weighs about 10^8 pairs of equal
letters (14 s). Here the common start and end are dropped first (linear: a typo fixed
in a long paragraph leaves almost nothing to diff), then SequenceMatcher runs only
while a Budget of such pairs lasts, shared by all the diffs one request makes. Callers
go from fine to coarse: characters, then words, then whole lines, which always fit.
Pure functions, no Flask, no SQLAlchemy.
"""

from collections import Counter
from difflib import SequenceMatcher

DIFF_BUDGET = 500_000  # pairs of equal elements one request's diffs may weigh (about 0.2 s)


class Budget:
    """How many more pairs of equal elements may be weighed; ``spent`` says how many were."""

    def __init__(self, pairs=DIFF_BUDGET):
        self.left = pairs
        self.spent = 0

    def take(self, cost):
        """Spend ``cost`` and return True, or return False (spending nothing) if it is too much."""
        if cost > self.left:
            return False
        self.left -= cost
        self.spent += cost
        return True


def pairs(a, b, isjunk=None):
    """Return how many pairs of equal elements ``a`` and ``b`` hold, junk left out: about the
    work SequenceMatcher does on them. Counted in linear time."""
    counts_a, counts_b = Counter(a), Counter(b)
    if len(counts_b) < len(counts_a):
        counts_a, counts_b = counts_b, counts_a
    return sum(n * counts_b.get(x, 0) for x, n in counts_a.items()
               if not (isjunk and isjunk(x)))


def common_ends(a, b):
    """Return ``(p, s)``: the length of ``a`` and ``b``'s common start, and of their common
    end in what follows it. A binary search over slice comparisons: O(n log n) in C."""
    p = _common(a, b, lambda seq, n: seq[:n])
    rest_a, rest_b = a[p:], b[p:]
    s = _common(rest_a, rest_b, lambda seq, n: seq[len(seq) - n:])
    return p, s


def _common(a, b, cut):
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if cut(a, mid) == cut(b, mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


def matching_blocks(a, b, budget, isjunk=None, fallback=False):
    """Return the equal stretches ``(i, j, size)`` of sequences ``a`` and ``b``, in order.

    The common start and end always count. What lies between is diffed if weighing it
    fits in ``budget``; if not, the result is None, or with ``fallback`` only the
    common start and end (what lies between counts as replaced).
    """
    p, s = common_ends(a, b)
    core_a, core_b = a[p:len(a) - s], b[p:len(b) - s]
    blocks = [(0, 0, p)] if p else []
    if core_a and core_b:
        if budget.take(pairs(core_a, core_b, isjunk)):
            matcher = SequenceMatcher(isjunk, core_a, core_b, autojunk=False)
            blocks.extend((p + i, p + j, n) for i, j, n in matcher.get_matching_blocks() if n)
        elif not fallback:
            return None
    if s:
        blocks.append((len(a) - s, len(b) - s, s))
    return blocks


def opcodes(blocks, len_a, len_b):
    """Return SequenceMatcher-style opcodes ``(tag, i1, i2, j1, j2)`` from matching blocks."""
    ops = []
    i = j = 0
    for block_i, block_j, size in [*blocks, (len_a, len_b, 0)]:
        if i < block_i and j < block_j:
            ops.append(("replace", i, block_i, j, block_j))
        elif i < block_i:
            ops.append(("delete", i, block_i, j, j))
        elif j < block_j:
            ops.append(("insert", i, i, j, block_j))
        if size:
            ops.append(("equal", block_i, block_i + size, block_j, block_j + size))
        i, j = block_i + size, block_j + size
    return ops


def is_blank(line):
    """Junk for a line diff: blank lines are everywhere and tie nothing together."""
    return not line.strip()
