"""Side-by-side diff of two revisions of a text, as rows of escaped, marked-up HTML."""

import re
from html import escape

from markupsafe import Markup

from .diffs import Budget, is_blank, matching_blocks, opcodes

_TOKENS = re.compile(r"\s+|\w+|[^\w\s]")  # words, runs of spaces, single signs
_WORDS = re.compile(r"\S+\s*|\s+")  # words with their spaces: fewer, less alike tokens


def side_by_side(old, new, budget=None):
    """Return rows ``(tag, old_html, new_html)`` comparing ``old`` and ``new`` by line.

    ``tag`` is equal, replace, delete or insert; inside replaced lines the changed
    words are wrapped in ``<del>`` / ``<ins>``. Every piece of text is escaped. All
    the diffing shares one diffs.Budget: past it, lines are compared by coarser
    tokens, then only by their common start and end.
    """
    budget = budget or Budget()
    old_lines, new_lines = old.split("\n"), new.split("\n")
    rows = []
    blocks = matching_blocks(old_lines, new_lines, budget, isjunk=is_blank, fallback=True)
    for tag, i1, i2, j1, j2 in opcodes(blocks, len(old_lines), len(new_lines)):
        left, right = old_lines[i1:i2], new_lines[j1:j2]
        if tag == "equal":
            rows.extend(("equal", _plain(a), _plain(b)) for a, b in zip(left, right))
            continue
        for k in range(max(len(left), len(right))):
            a = left[k] if k < len(left) else None
            b = right[k] if k < len(right) else None
            if a is not None and b is not None:
                rows.append(("replace", *_inline(a, b, budget)))
            elif a is not None:
                rows.append(("delete", _marked("del", a), None))
            else:
                rows.append(("insert", None, _marked("ins", b)))
    return rows


def _marked(tag, line):
    """A whole line added or removed (a blank one stays blank)."""
    return Markup(f"<{tag}>{escape(line)}</{tag}>") if line else Markup("")


def _plain(line):
    return Markup(escape(line))


def _inline(a, b, budget):
    """Mark the words that differ between two versions of one line."""
    for pattern, fallback in ((_TOKENS, False), (_WORDS, True)):
        a_tokens, b_tokens = pattern.findall(a), pattern.findall(b)
        blocks = matching_blocks(a_tokens, b_tokens, budget, fallback=fallback)
        if blocks is not None:
            break
    left, right = [], []
    for tag, i1, i2, j1, j2 in opcodes(blocks, len(a_tokens), len(b_tokens)):
        old, new = "".join(a_tokens[i1:i2]), "".join(b_tokens[j1:j2])
        if tag == "equal":
            left.append(escape(old))
            right.append(escape(new))
            continue
        if old:
            left.append(f"<del>{escape(old)}</del>")
        if new:
            right.append(f"<ins>{escape(new)}</ins>")
    return Markup("".join(left)), Markup("".join(right))


MARK_BUDGET = 50_000  # pairs of equal words one note's words before and after may weigh


def marked_changes(old, new, context=40, budget=None):
    """Return one line of HTML showing how ``old`` became ``new``: removed words in ``<del>``,
    added ones in ``<ins>``; an unchanged stretch longer than twice ``context`` characters
    keeps only its ends, joined by "…". Every piece of text is escaped.

    The words are diffed within ``budget`` (by default MARK_BUDGET pairs): past it, only
    the common start and end are kept and the rest shows as replaced."""
    budget = budget or Budget(MARK_BUDGET)
    old_tokens, new_tokens = _TOKENS.findall(old), _TOKENS.findall(new)
    blocks = matching_blocks(old_tokens, new_tokens, budget, fallback=True)
    ops = opcodes(blocks, len(old_tokens), len(new_tokens))
    parts = []
    for n, (tag, i1, i2, j1, j2) in enumerate(ops):
        removed, added = "".join(old_tokens[i1:i2]), "".join(new_tokens[j1:j2])
        if tag != "equal":
            parts.append((f"<del>{escape(removed)}</del>" if removed else "") +
                         (f"<ins>{escape(added)}</ins>" if added else ""))
            continue
        first, last = n == 0, n == len(ops) - 1
        if first and last:
            pass  # nothing changed
        elif first and len(added) > context:
            added = "… " + added[-context:].lstrip()
        elif last and len(added) > context:
            added = added[:context].rstrip() + " …"
        elif not (first or last) and len(added) > 2 * context + 3:
            added = added[:context].rstrip() + " … " + added[-context:].lstrip()
        parts.append(escape(added))
    return Markup("".join(parts))
