"""Two paired passages as escaped HTML with the words only one of them has marked."""

import re
from html import escape

from markupsafe import Markup

from .diffs import Budget, matching_blocks, opcodes

_TOKENS = re.compile(r"\s+|\w+|[^\w\s]")  # words, runs of spaces, single signs
_SAME = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "«": '"', "»": '"'})
_BREAK = "\x00"  # between passages of one side: equal to nothing a text holds


def _key(token):
    """What a token is compared by: case, kinds of space and of quote marks aside."""
    return " " if token.isspace() else token.casefold().translate(_SAME)


def marked_pair(side_a, side_b, budget=None):
    """Return ``(html_a, html_b, marked)``: one Markup per passage of each side.

    ``side_a`` and ``side_b`` are lists of passage texts. Words found on one side only
    are wrapped in ``<mark class="differs">``; every piece of text is escaped. If
    comparing the words does not fit in ``budget`` (a diffs.Budget shared by one
    request), nothing is marked and ``marked`` is False.
    """
    budget = budget or Budget()
    tokens_a, tokens_b = _tokens(side_a), _tokens(side_b)
    keys_a, keys_b = [_key(t) for t in tokens_a], [_key(t) for t in tokens_b]
    blocks = matching_blocks(keys_a, keys_b, budget)
    if blocks is None:
        return [Markup(escape(t)) for t in side_a], [Markup(escape(t)) for t in side_b], False
    left, right = [], []
    for tag, i1, i2, j1, j2 in opcodes(blocks, len(tokens_a), len(tokens_b)):
        differs = tag != "equal"
        left.extend((t, differs) for t in tokens_a[i1:i2])
        right.extend((t, differs) for t in tokens_b[j1:j2])
    return _split(left), _split(right), True


def _tokens(side):
    tokens = []
    for n, text in enumerate(side):
        if n:
            tokens.append(_BREAK)
        tokens.extend(_TOKENS.findall(text))
    return tokens


def _split(marked_tokens):
    """Join ``(token, differs)`` into one HTML string per passage; runs of differing words
    (with the spaces between them) share one mark, spaces at a run's ends stay outside."""
    passages, parts, run = [], [], []

    def close():
        words = "".join(run)
        core = words.strip()
        if core:
            lead = words[:len(words) - len(words.lstrip())]
            tail = words[len(words.rstrip()):]
            parts.append(f'{escape(lead)}<mark class="differs">{escape(core)}</mark>{escape(tail)}')
        else:
            parts.append(escape(words))
        run.clear()

    for token, differs in marked_tokens:
        if token == _BREAK:
            close()
            passages.append(Markup("".join(parts)))
            parts.clear()
        elif differs:
            run.append(token)
        elif token.isspace() and run:
            run.append(token)
        else:
            close()
            parts.append(escape(token))
    close()
    passages.append(Markup("".join(parts)))
    return passages
