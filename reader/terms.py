"""Search terms: read a reader's query, write it for FTS5 or PostgreSQL, show the matches.

Pure functions, no Flask and no SQLAlchemy. A query is plain words, all required;
"double quotes" make a phrase and a trailing ``*`` a prefix. Every other character,
FTS syntax included (^ : ( ) - + NEAR/…), only separates words, and the operator words
AND, OR, NOT, NEAR written in capitals are dropped; every word reaches the database
quoted, so no query can be a syntax error in either database. Offsets are code points.
"""

import re
from dataclasses import dataclass
from html import escape

MAX_QUERY = 500  # characters of the query that are read at all
MAX_TERMS = 12
MAX_PHRASE_WORDS = 8
MAX_WORD = 64

# markers a database puts around matches; private-use code points no text should hold
OPEN = "\ue000"
CLOSE = "\ue001"

_WORD = re.compile(r"[^\W_]+")  # letters and digits in any script; "_" splits, as in FTS5
_TOKEN = re.compile(r'"([^"]*)"?|([^\s"]+)')
_OPERATOR = re.compile(r"AND|OR|NOT|NEAR(/\d*)?")


@dataclass(frozen=True)
class Term:
    """One word or phrase of a query; ``prefix`` matches words starting with the last one."""

    words: tuple
    prefix: bool = False


def parse_query(query):
    """Return the Terms of ``query`` (at most MAX_TERMS, duplicates dropped), maybe none."""
    terms = []
    for match in _TOKEN.finditer((query or "")[:MAX_QUERY]):
        phrase, token = match.groups()
        if phrase is None and _OPERATOR.fullmatch(token):
            continue  # a search-engine habit; every term is required anyway
        words = tuple(w[:MAX_WORD].lower() for w in _WORD.findall(phrase if phrase is not None
                                                                 else token))
        if not words:
            continue
        prefix = phrase is None and token.endswith("*") and len(words[-1]) >= 2
        term = Term(words[:MAX_PHRASE_WORDS], prefix)
        if term not in terms:
            terms.append(term)
        if len(terms) == MAX_TERMS:
            break
    return terms


def fts5_query(terms):
    """Return the FTS5 MATCH expression for ``terms``: every term, each one quoted."""
    return " ".join('"' + " ".join(t.words) + '"' + ("*" if t.prefix else "") for t in terms)


def tsquery(terms):
    """Return the PostgreSQL ``to_tsquery`` text for ``terms``: all of them, phrases in order."""
    parts = []
    for t in terms:
        words = [f"'{w}'" for w in t.words]
        if t.prefix:
            words[-1] += ":*"
        parts.append(" <-> ".join(words) if len(words) > 1 else words[0])
    return " & ".join(f"({p})" for p in parts)


def marked_spans(marked, open_=OPEN, close=CLOSE):
    """Return ``(text, spans)``: ``marked`` without its markers, and the marked spans.

    Marked words with only whitespace between them (a phrase) come back as one span.
    """
    text, spans = [], []
    pos = 0
    start = None
    since_close = None  # the text after the last closing marker, while nothing else came
    for piece in re.split(f"({re.escape(open_)}|{re.escape(close)})", marked):
        if piece == open_:
            if start is None:
                joined = spans and since_close is not None and not since_close.strip()
                start = spans.pop()[0] if joined else pos
        elif piece == close:
            if start is not None and pos > start:
                spans.append((start, pos))
            start = None
            since_close = ""
        elif piece:
            text.append(piece)
            pos += len(piece)
            since_close = piece if since_close == "" else None
    return "".join(text), spans


# word endings a match may add to (or swap for) a query word's own: a crude English stemming,
# close to what both databases' stemmers match, for marking words only
ENDINGS = ("ations", "ation", "ities", "ity", "ments", "ment", "ness", "ings", "ing", "ions", "ion",
           "ates", "ated", "ate", "ating", "ally", "ers", "er", "ies", "ied", "es", "ed", "ly",
           "al", "e", "d", "s", "y")
MAX_GAP = 40  # characters between the words of a phrase, as the databases skip them
_ENDING = "(?:" + "|".join(ENDINGS) + ")?"


def _root(word):
    """Return ``word`` without the longest of ENDINGS that leaves at least three letters."""
    for ending in sorted(ENDINGS, key=len, reverse=True):
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[:-len(ending)]
    return word


def spans_pattern(terms):
    """Return a compiled pattern matching the words of ``terms`` in a text, or None for none.

    Every repetition in it is bounded, or runs over characters that what follows it
    cannot match (a word's letters, then the non-letters between words), so matching
    is linear in the text.
    """
    alternatives = []
    for term in sorted(terms, key=lambda t: -len(t.words)):  # the longest phrase wins
        parts = []
        for k, word in enumerate(term.words):
            if term.prefix and k == len(term.words) - 1:
                parts.append(re.escape(word) + r"[^\W_]*")
            else:
                parts.append(re.escape(_root(word)) + _ENDING + _ENDING)
        alternatives.append(f"[\\W_]{{1,{MAX_GAP}}}".join(parts))
    if not alternatives:
        return None
    return re.compile(r"(?<![^\W_])(?:" + "|".join(alternatives) + r")(?![^\W_])", re.IGNORECASE)


def iter_spans(text, terms, start=0):
    """Yield the spans of ``text`` whose words match ``terms``, in text order, lazily.

    A word matches a query word when it has the same root (see ENDINGS), or, for a
    prefix term, when it starts with it; letter case is ignored. The caller takes
    as many spans as it shows, so the text is read only as far as they reach.
    """
    pattern = spans_pattern(terms)
    if pattern is not None:
        for match in pattern.finditer(text, start):
            yield match.span()


def find_spans(text, terms):
    """Return every span of ``text`` whose words match ``terms`` (see ``iter_spans``).

    A fallback for when a database cannot say where it matched a short text (a
    title, a note); for a document's text take spans lazily from ``iter_spans``.
    """
    return list(iter_spans(text, terms))


@dataclass(frozen=True)
class Snippet:
    """A window ``[start, end)`` of a text around its first match ``[hit_start, hit_end)``."""

    start: int
    end: int
    hit_start: int
    hit_end: int
    html: str  # escaped text with <mark> around every match inside the window


def snippets(text, spans, width=90, limit=3, max_length=None):
    """Return up to ``limit`` Snippets of ``text``: ``width`` code points either side of a match.

    ``spans`` come in text order and are read only as far as the snippets reach (it may
    be a lazy iterator over a long text). A window takes in the matches that follow
    within it but never grows past ``max_length`` code points (default ``4 * width``),
    so however many matches a text holds, the snippets stay small. The text is escaped
    first and only then are matches wrapped in ``<mark>``, so the HTML is safe whatever
    the text holds.
    """
    max_length = max_length or 4 * width
    windows = []
    for start, end in spans:
        if windows and start < windows[-1][1]:  # begins inside the current window
            window = windows[-1]
            window[1] = max(window[1], min(_word_edge(text, end + width, 1),
                                           window[0] + max_length))
            window[3].append((start, end))
            continue
        if len(windows) == limit:
            break
        lo = _word_edge(text, start - width, -1)
        if windows:
            lo = max(lo, windows[-1][1])  # no text shown twice
        hi = min(_word_edge(text, end + width, 1), lo + max_length)
        windows.append([lo, hi, (start, min(end, hi)), [(start, end)]])
    if not windows and text:
        hi = _word_edge(text, 2 * width, 1)
        windows.append([0, hi, (0, 0), []])
    return [Snippet(lo, hi, hit[0], hit[1], _window_html(text, lo, hi, inside))
            for lo, hi, hit, inside in windows]


def _word_edge(text, pos, direction):
    """Move ``pos`` (clamped to the text) outwards to the nearest whitespace, within 20."""
    pos = min(max(pos, 0), len(text))
    for step in range(20):
        at = pos + step * direction
        if at <= 0 or at >= len(text):
            return min(max(at, 0), len(text))
        if text[at].isspace():
            return at if direction > 0 else at + 1
    return pos


def _window_html(text, lo, hi, spans):
    out = ["…" if lo > 0 else ""]
    pos = lo
    for start, end in spans:
        start, end = max(start, pos), min(end, hi)
        if start >= end:
            continue
        out.append(_plain(text[pos:start]))
        out.append(f"<mark>{_plain(text[start:end])}</mark>")
        pos = end
    out.append(_plain(text[pos:hi]))
    out.append("…" if hi < len(text) else "")
    return "".join(out).strip()


def _plain(text):
    """Escape ``text`` and fold its runs of whitespace (newlines too) into one space."""
    return escape(re.sub(r"\s+", " ", text))
