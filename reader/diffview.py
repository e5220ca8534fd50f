"""Side-by-side diff of two revisions of a text, as rows of escaped, marked-up HTML."""

import re
from difflib import SequenceMatcher
from html import escape

from markupsafe import Markup

_TOKENS = re.compile(r"\s+|\w+|[^\w\s]")


def side_by_side(old, new):
    """Return rows ``(tag, old_html, new_html)`` comparing ``old`` and ``new`` by line.

    ``tag`` is equal, replace, delete or insert; inside replaced lines the changed
    characters are wrapped in ``<del>`` / ``<ins>``. Every piece of text is escaped.
    """
    old_lines, new_lines = old.split("\n"), new.split("\n")
    rows = []
    matcher = SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        left, right = old_lines[i1:i2], new_lines[j1:j2]
        if tag == "equal":
            rows.extend(("equal", _plain(a), _plain(b)) for a, b in zip(left, right))
            continue
        for k in range(max(len(left), len(right))):
            a = left[k] if k < len(left) else None
            b = right[k] if k < len(right) else None
            if a is not None and b is not None:
                rows.append(("replace", *_inline(a, b)))
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


def _inline(a, b):
    """Mark the words that differ between two versions of one line."""
    a_tokens, b_tokens = _TOKENS.findall(a), _TOKENS.findall(b)
    left, right = [], []
    matcher = SequenceMatcher(None, a_tokens, b_tokens, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
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


def marked_changes(old, new, context=40):
    """Return one line of HTML showing how ``old`` became ``new``: removed words in ``<del>``,
    added ones in ``<ins>``; an unchanged stretch longer than twice ``context`` characters
    keeps only its ends, joined by "…". Every piece of text is escaped."""
    old_tokens, new_tokens = _TOKENS.findall(old), _TOKENS.findall(new)
    opcodes = SequenceMatcher(None, old_tokens, new_tokens, autojunk=False).get_opcodes()
    parts = []
    for n, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        removed, added = "".join(old_tokens[i1:i2]), "".join(new_tokens[j1:j2])
        if tag != "equal":
            parts.append((f"<del>{escape(removed)}</del>" if removed else "") +
                         (f"<ins>{escape(added)}</ins>" if added else ""))
            continue
        first, last = n == 0, n == len(opcodes) - 1
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
