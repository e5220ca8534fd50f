"""Hypothesis exports: read the client's JSON export and place each quote on our text.

The Hypothesis client exports ``{"export_date", "export_userid", "client_version",
"annotations": [...]}``, each annotation in the Hypothesis API form: ``id``, ``uri``,
``text`` (Markdown), ``tags``, ``user`` (``acct:name@authority``), ``user_info``,
``created``/``updated``, ``document.title``, ``references`` (a reply's ancestors),
``permissions`` and ``target[0].selector`` (RangeSelector, TextPositionSelector,
TextQuoteSelector). The API's search answer (``{"total", "rows"}``) is read the same way.

A Hypothesis position counts UTF-16 code units of another page (the original article,
with its menus and captions): it is a hint, never a place. A quote is placed by its
words and context, tolerating differences in whitespace and quote marks; failing that,
near-matching words (an edited sentence) are looked for where its words or context are.
Pure: no Flask, no SQLAlchemy.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from ..text.anchoring import THRESHOLD, fuzzy_find
from ..text.canonical import locate_quote

WORLD = "group:__world__"  # Hypothesis' read permission of a public annotation
QUOTE_MARKS = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "`": "'",
                             "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"',
                             "«": '"', "»": '"'})
CHUNK_WORDS = 4  # words of a quote looked for on their own, to find an edited sentence
MAX_CANDIDATES = 8  # places near which a changed quote is sought


class HypothesisError(ValueError):
    """The file or one of its annotations is not what a Hypothesis export holds."""


@dataclass(frozen=True)
class HypothesisNote:
    """One Hypothesis annotation, read: what becomes an editorial note here."""

    index: int
    id: str
    link: str  # its page on Hypothesis, kept as ``via``
    uri: str
    title: str
    text: str
    tags: tuple
    author: str
    created: datetime | None
    updated: datetime | None
    exact: str | None  # None: a page note, on the whole document
    prefix: str
    suffix: str
    hint: int | None
    public: bool
    references: tuple = ()  # the ids of a reply's ancestors, the note first

    @property
    def is_reply(self):
        """True for a reply (it answers another annotation)."""
        return bool(self.references)

    @property
    def reply_to(self):
        """The Hypothesis id of the annotation a reply answers (its last reference), or None."""
        return self.references[-1] if self.references else None


@dataclass(frozen=True)
class Placement:
    """Where a quote landed: ``exact`` (the same words) or ``changed`` (near-matching words)."""

    start: int
    end: int
    state: str
    score: float = 1.0


def is_export(data):
    """True if ``data`` (parsed JSON) is a Hypothesis export or API search answer."""
    if not isinstance(data, dict):
        return False
    if isinstance(data.get("annotations"), list) and (
            {"export_date", "export_userid", "client_version"} & set(data)):
        return True
    return isinstance(data.get("rows"), list) and "total" in data


def export_items(data):
    """Return the list of raw annotations of an export (or search answer)."""
    items = data.get("annotations") if "annotations" in data else data.get("rows")
    if not isinstance(items, list):
        raise HypothesisError("the export holds no list of annotations")
    return items


def read_note(index, item):
    """Return the HypothesisNote of one raw annotation, or raise HypothesisError."""
    if not isinstance(item, dict):
        raise HypothesisError("an annotation must be a JSON object")
    ident = _text(item, "id", required=True)
    links = item.get("links") if isinstance(item.get("links"), dict) else {}
    link = next((links[k] for k in ("html", "incontext")
                 if isinstance(links.get(k), str) and links[k]), None)
    target = _first_target(item)
    uri = _text(item, "uri") or (target.get("source") if isinstance(target.get("source"), str)
                                 else "")
    exact, prefix, suffix, hint = _selectors(target)
    tags = item.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise HypothesisError("tags must be a list of words")
    references = item.get("references") or []
    if not isinstance(references, list) or not all(
            isinstance(r, str) and r for r in references):
        raise HypothesisError("references must be a list of annotation ids")
    read = (item.get("permissions") or {}).get("read") if isinstance(
        item.get("permissions"), dict) else None
    return HypothesisNote(
        index=index, id=ident, link=link or f"https://hypothes.is/a/{ident}", uri=uri,
        title=_title(item.get("document")), text=_text(item, "text"), tags=tuple(tags),
        author=_author(item), created=_time(item, "created"), updated=_time(item, "updated"),
        exact=exact, prefix=prefix, suffix=suffix, hint=hint,
        public=isinstance(read, list) and WORLD in read,
        references=tuple(references),
    )


def _text(item, name, required=False):
    value = item.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value):
        raise HypothesisError(f"{name} must be {'a non-empty ' if required else ''}string")
    return value


def _first_target(item):
    targets = item.get("target") or []
    if isinstance(targets, dict):
        targets = [targets]
    if not isinstance(targets, list) or not all(isinstance(t, dict) for t in targets):
        raise HypothesisError("target must be a list of objects")
    return targets[0] if targets else {}


def _selectors(target):
    """Return ``(exact, prefix, suffix, hint)`` from a target's selectors."""
    selectors = target.get("selector") or []
    if not isinstance(selectors, list):
        selectors = [selectors]
    exact, prefix, suffix, hint = None, "", "", None
    for selector in selectors:
        if not isinstance(selector, dict):
            continue
        if selector.get("type") == "TextQuoteSelector":
            value = selector.get("exact")
            if not isinstance(value, str):
                raise HypothesisError("a TextQuoteSelector needs its exact words")
            exact = value
            prefix = selector.get("prefix") if isinstance(selector.get("prefix"), str) else ""
            suffix = selector.get("suffix") if isinstance(selector.get("suffix"), str) else ""
        elif selector.get("type") == "TextPositionSelector":
            start = selector.get("start")
            if isinstance(start, int) and not isinstance(start, bool) and start >= 0:
                hint = start
    if exact is not None and not exact.strip():
        exact = None  # nothing to place: a note on the page
    return exact, prefix, suffix, hint


def _title(document):
    title = document.get("title") if isinstance(document, dict) else None
    if isinstance(title, list):  # the API gives a list of titles
        title = next((t for t in title if isinstance(t, str)), "")
    return title if isinstance(title, str) else ""


def _author(item):
    """Return the display name, else the user name of ``acct:name@authority``."""
    info = item.get("user_info")
    if isinstance(info, dict) and isinstance(info.get("display_name"), str) and \
            info["display_name"].strip():
        return info["display_name"].strip()
    user = item.get("user") if isinstance(item.get("user"), str) else ""
    return re.sub(r"^acct:", "", user).split("@")[0]


def _time(item, name):
    value = item.get(name)
    if value in (None, ""):
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise HypothesisError(f"{name} is not a date-time: {str(value)[:40]!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # Hypothesis writes UTC
    return moment.astimezone(UTC).replace(microsecond=0)


# --- placing a quote -------------------------------------------------------------------

class NormalText:
    """A text with whitespace runs folded to one space and quote marks made straight,
    with the map back to the original's code points (built once per document)."""

    def __init__(self, text):
        self.original = text
        chars, where = [], []
        in_space = False
        for pos, char in enumerate(text):
            if char.isspace():
                if in_space:
                    continue
                in_space = True
                chars.append(" ")
            else:
                in_space = False
                chars.append(char.translate(QUOTE_MARKS))
            where.append(pos)
        self.text = "".join(chars)
        self.where = where

    def span(self, start, end):
        """Return the original ``(start, end)`` of the normalised ``[start, end)``."""
        return self.where[start], self.where[end - 1] + 1


def normalise(value):
    """Fold whitespace runs to one space and straighten quote marks (as NormalText does)."""
    return re.sub(r"\s+", " ", value).translate(QUOTE_MARKS)


def place_quote(normal, exact, prefix="", suffix="", hint=None):
    """Return the Placement of a Hypothesis quote on ``normal`` (a NormalText), or None.

    The same words (whitespace and quote marks aside) are placed ``exact``; else the
    stretch most like the quote, near where its words or context occur, if it is at
    least THRESHOLD alike, is placed ``changed``.
    """
    quote = normalise(exact).strip()
    if not quote:
        return None
    before, after = normalise(prefix), normalise(suffix)
    found = locate_quote(normal.text, quote, before, after, hint=hint)
    if found is not None:
        return Placement(*normal.span(*found), "exact")
    best = None
    for expected in _candidates(normal.text, quote, before, after):
        fuzzy = fuzzy_find(normal.text, quote, expected, THRESHOLD)
        if fuzzy is not None and (best is None or fuzzy[2] > best[2]):
            best = fuzzy
    if best is None:
        return None
    start, end = normal.span(best[0], best[1])
    return Placement(start, end, "changed", round(best[2], 3))


def _candidates(text, quote, before, after):
    """Yield expected starts of an edited quote: where some of its words, or its
    context, occur (each looked for with ``str.find``, so the search stays linear)."""
    seen = []
    words = quote.split(" ")
    pieces = [(" ".join(words[i:i + CHUNK_WORDS]), len(" ".join(words[:i])) + (1 if i else 0))
              for i in range(0, len(words), CHUNK_WORDS)]
    if before.strip():
        pieces.append((before[-24:], -len(before[-24:])))
    if after.strip():
        pieces.append((after[:24], len(quote)))
    for piece, offset in pieces:
        if len(piece.strip()) < 8:
            continue
        pos = text.find(piece)
        while pos != -1 and len(seen) < MAX_CANDIDATES:
            expected = max(pos - offset, 0)
            if all(abs(expected - s) > len(quote) for s in seen):
                seen.append(expected)
                yield expected
            pos = text.find(piece, pos + 1)
