"""Canonical text, code-point spans, quote selectors and document structure.

Every offset in this module counts Unicode code points of the canonical text
(a Python ``str`` index), the unit of the W3C TextPositionSelector.
"""

import re
import unicodedata
from dataclasses import dataclass

BOM = "\ufeff"
QUOTE_CONTEXT = 32  # code points of prefix/suffix kept with a quote
MAX_QUOTE_CONTEXT = 256  # code points of a given prefix/suffix that count, those nearest the quote
MAX_OCCURRENCES = 10_000  # occurrences of a quote weighed before it is too common to place
FIND_BUDGET = 20_000_000  # code points of quote the search for its occurrences may compare
MAX_META_LINE = 300  # longer lines are prose, never "Published by" or a byline
HEADING_MAX_CHARS = 90
HEADING_MAX_WORDS = 12
TITLE_LINES = 3  # the title, when the document's title is known, is one of the first lines
KNOWN_OUTLETS = (
    "Sputnik", "RT", "Rt.com", "TASS", "RIA Novosti", "Reuters", "AP",
    "AFP", "BBC", "Al Mayadeen", "Interfax", "Xinhua",
)

_SENTENCE_END = tuple(".,;:!?…\"”")
_BYLINE = re.compile(r"^By ((?:[A-Z][\w'’.-]+ ){1,2}[A-Z][\w'’-]+)(?= [A-Z][a-z]+ | *$)")
_BOILERPLATE = re.compile(r"^(?:(?:Re)?[Pp]ublished by|Source:|Leave a Reply$|Discuss$|Share$)")
_MD_HEADING_OPEN = re.compile(r"#{1,6}\s+")  # matched at a line's start only: linear
# no quantifier next to another over the same characters: linear on any line
_PUBLISHED_BY = re.compile(r"(?:Published by|Source:)(?=\s)", re.IGNORECASE)


class TextError(ValueError):
    """A file or string cannot become a document's canonical text."""


@dataclass(frozen=True)
class Block:
    """A structural piece of a document: ``kind`` over ``text[start:end]``."""

    kind: str  # "title", "heading", "meta" or "paragraph"
    start: int
    end: int


def canonicalize(raw):
    """Return the canonical text of ``raw`` (bytes or str).

    Decodes UTF-8 strictly, drops one leading BOM and turns CRLF and CR into
    ``\\n``. Nothing else changes. Raises TextError for text that is not UTF-8,
    looks binary, or has no visible character.
    """
    if isinstance(raw, bytes):
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise TextError("not UTF-8 (it looks like UTF-16: save it as UTF-8)")
        if b"\x00" in raw:
            raise TextError("binary file (contains NUL bytes)")
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise TextError(f"not UTF-8 (invalid byte at offset {exc.start})") from None
    text = raw.removeprefix(BOM).replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        raise TextError("binary file (contains NUL characters)")
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\n\t\f\v")
    if controls > max(8, len(text) // 100):
        raise TextError("binary file (too many control characters)")
    if not text.strip():
        raise TextError("empty text")
    return text


def _lines(text):
    """Yield ``(start, end)`` of every line of ``text``, without its newline."""
    pos = 0
    for line in text.split("\n"):
        yield pos, pos + len(line)
        pos += len(line) + 1


def _classify(line):
    """Return the block kind of a body line (never "title")."""
    stripped = line.strip()
    words = stripped.split()
    if (len(words) <= 2 and not stripped.endswith(_SENTENCE_END)) or _BOILERPLATE.match(stripped):
        return "meta"
    if (
        len(stripped) <= HEADING_MAX_CHARS
        and len(words) <= HEADING_MAX_WORDS
        and (stripped[0].isupper() or stripped[0] in "‘'\"“")
        and not _ends_sentence(stripped)
    ):
        return "heading"
    return "paragraph"


def _ends_sentence(stripped):
    """True if ``stripped`` ends like a sentence (a closing quote after a full stop counts)."""
    if stripped[-1] in "’'" and len(stripped) > 1:
        return stripped[-2] in ".!?"
    return stripped.endswith(_SENTENCE_END)


def detect_structure(text, title=None):
    """Return the Blocks of ``text`` in order: its title, headings, meta lines and paragraphs.

    Every non-blank line is one block (the seeds break paragraphs by blank lines and by
    single newlines alike); blank and whitespace-only lines are gaps between blocks.
    The first non-blank line is the title; given the document's ``title``, the title is
    the line among the first TITLE_LINES that reads as it does, the lines above it are
    meta lines (a section, a kicker, the outlet's name: "Foreign Policy Blogs" above
    "Russia and the Changing World"), and no line is the title if none reads as it.
    """
    lines = [(start, end) for start, end in _lines(text) if text[start:end].strip()]
    if title is None:
        title_at = 0
    else:
        wanted = _title_key(title)
        title_at = next((n for n, (start, end) in enumerate(lines[:TITLE_LINES])
                         if _title_key(text[start:end]) == wanted), None)
    blocks = []
    for n, (start, end) in enumerate(lines):
        if title_at is not None and n <= title_at:
            kind = "title" if n == title_at else "meta"
        else:
            kind = _classify(text[start:end])
        blocks.append(Block(kind, start, end))
    return blocks


_BLOCK_START = re.compile(r"^[^\S\n]*\S", re.MULTILINE)  # a line with a visible character


def block_index(text, pos):
    """Return the index in ``detect_structure(text)`` of the block holding ``pos`` (a
    visible character), without building the blocks: it reads ``text`` up to ``pos`` only."""
    return max(len(_BLOCK_START.findall(text, 0, pos + 1)) - 1, 0)
def has_title_line(text, title):
    """True if one of the first TITLE_LINES non-blank lines of ``text`` reads as ``title``."""
    wanted = _title_key(title)
    seen = 0
    for start, end in _lines(text):
        if text[start:end].strip():
            if _title_key(text[start:end]) == wanted:
                return True
            seen += 1
            if seen == TITLE_LINES:
                break
    return False


def _title_key(line):
    """A title as lines are compared with it: Markdown's # marks, spacing and case aside."""
    return " ".join(_unmark_heading(line.strip()).split()).casefold()


def _unmark_heading(line):
    """Return ``line`` without Markdown's opening ``#`` marks and closing ``#`` run.

    Done without a regex on the closing run: ``\\s+#+$`` backtracks over every run of
    spaces, quadratic on a long line of them.
    """
    opening = _MD_HEADING_OPEN.match(line)
    if opening:
        line = line[opening.end():]
    closed = line.rstrip("#")
    if closed != line and (not closed or closed[-1].isspace()):
        line = closed.rstrip()
    return line


def detect_metadata(text):
    """Return ``{"title", "outlet", "author"}`` as far as the text states them ("" if not)."""
    lines = [text[s:e].strip() for s, e in _lines(text)]
    nonblank = [line for line in lines if line]
    title = _unmark_heading(nonblank[0]) if nonblank else ""  # "# Title" is titled "Title"
    outlet = author = ""
    for line in nonblank:
        if len(line) > MAX_META_LINE:
            continue
        match = _PUBLISHED_BY.match(line)
        if match and not outlet:
            outlet = line[match.end():].strip().rstrip(".")
        match = _BYLINE.match(line)
        if match and not author:
            author = match.group(1)
    if not outlet:
        head = {line.casefold() for line in nonblank[1:12]}
        outlet = next((name for name in KNOWN_OUTLETS if name.casefold() in head), "")
    return {"title": title[:300], "outlet": outlet[:200], "author": author[:200]}


def quote_selector(text, start, end, context=QUOTE_CONTEXT):
    """Return ``(exact, prefix, suffix)`` for the span ``[start, end)`` of ``text``."""
    return text[start:end], text[max(0, start - context):start], text[end:end + context]


def check_span(text, start, end, exact=None):
    """Raise TextError unless ``[start, end)`` is a non-blank span of ``text`` equal to ``exact``."""
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end)):
        raise TextError("start and end must be integers")
    if not 0 <= start < end <= len(text):
        raise TextError(f"span [{start}, {end}) is outside the text (0 to {len(text)})")
    if not text[start:end].strip():
        raise TextError("the selected text is empty or only whitespace")
    if exact is not None and text[start:end] != exact:
        raise TextError(
            f"the text at [{start}, {end}) is {text[start:end][:60]!r}, not the quoted {exact[:60]!r}"
        )


def _common_suffix_len(a, b):
    """Length of the longest common suffix of ``a`` and ``b``.

    A binary search over slice comparisons: O(k log k) character comparisons in C
    rather than a Python step per character.
    """
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[len(a) - mid:] == b[len(b) - mid:]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _common_prefix_len(a, b):
    """Length of the longest common prefix of ``a`` and ``b`` (a binary search, as above)."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def trim_context(prefix, suffix, limit=MAX_QUOTE_CONTEXT):
    """Return ``(prefix, suffix)`` cut to the ``limit`` code points nearest the quote."""
    return prefix[max(len(prefix) - limit, 0):], suffix[:limit]


def _quote_score(text, pos, end, prefix, suffix):
    """How well the text around ``[pos, end)`` matches ``prefix`` and ``suffix`` (characters)."""
    return (_common_suffix_len(text[max(0, pos - len(prefix)):pos], prefix)
            + _common_prefix_len(text[end:end + len(suffix)], suffix))


def locate_quote(text, exact, prefix="", suffix="", hint=None):
    """Return ``(start, end)`` of the best exact occurrence of ``exact`` in ``text``, or None.

    Among several occurrences the one whose surroundings best match ``prefix`` and
    ``suffix`` wins; ties go to the one nearest ``hint`` (an expected start). Only the
    MAX_QUOTE_CONTEXT code points of prefix and suffix nearest the quote count. A
    quote found more than MAX_OCCURRENCES times (fewer for a long quote: each search
    for the next occurrence compares up to the quote's length) is too common to place
    by its words: None, as for one not found at all.
    """
    if not exact or len(exact) > len(text):
        return None
    prefix, suffix = trim_context(prefix, suffix)
    limit = min(MAX_OCCURRENCES, FIND_BUDGET // len(exact) + 1)
    best = None
    pos = text.find(exact)
    for _ in range(limit):
        if pos == -1:
            return (best[1], best[2]) if best else None
        end = pos + len(exact)
        score = _quote_score(text, pos, end, prefix, suffix)
        distance = abs(pos - hint) if hint is not None else 0
        key = (-score, distance, pos)
        if best is None or key < best[0]:
            best = (key, pos, end)
        pos = text.find(exact, pos + 1)
    return None if pos != -1 else (best[1], best[2])


def quote_ambiguity(text, exact, prefix="", suffix=""):
    """Return ``(occurrences, best)``: how often ``exact`` occurs in ``text``, and how many of
    those fit ``prefix`` and ``suffix`` best (more than one: the quote alone cannot say which).
    """
    count, best, ties = 0, -1, 0
    pos = text.find(exact) if exact else -1
    while pos != -1:
        count += 1
        score = _quote_score(text, pos, pos + len(exact), prefix, suffix)
        if score > best:
            best, ties = score, 1
        elif score == best:
            ties += 1
        pos = text.find(exact, pos + 1)
    return count, ties


def reanchor(text, exact, prefix, suffix, old_start):
    """Place a quote again in a revised ``text``: ``(start, end, state)`` or None (an orphan).

    ``state`` is "unchanged" when the best occurrence (by prefix and suffix, then
    nearness to ``old_start``) is still at ``old_start``, else "moved". The words alone
    at ``old_start`` are not enough: a short quote may repeat, and text inserted above
    can bring another occurrence to the old offset.
    """
    found = locate_quote(text, exact, prefix, suffix, hint=old_start)
    if found is None:
        return None
    return found[0], found[1], "unchanged" if found[0] == old_start else "moved"
