"""Share cards and embeds: a note's card text, oEmbed targets, sizes and markup (pure).

No Flask, no SQLAlchemy: strings in, strings out. The views in views/share.py load
the rows and build the URLs.
"""

import re
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

from markupsafe import Markup

from .config import MAX_ID

CARD_LIMIT = 300  # characters of og:description (Facebook shows about this many)
TWITTER_LIMIT = 200  # characters of twitter:description
TITLE_LIMIT = 150
EMBED_WIDTH, EMBED_HEIGHT = 640, 720  # px: an embed's size when the consumer sets no bound
MAX_URL = 2000  # characters of an oEmbed url= worth parsing
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_DOCUMENT_PATH = re.compile(r"/docs/([^/]+)(?:/embed)?/?")
_NOTE_PATH = re.compile(r"/a/([1-9][0-9]{0,9})/?")
_NOTE_FRAGMENT = re.compile(r"a-([1-9][0-9]{0,9})")
_BOUND = re.compile(r"[0-9]{1,6}")


class Target(NamedTuple):
    """What an oEmbed url= names: a document (by slug), a note (by id), or a note in one."""

    slug: str | None
    annotation_id: int | None


def plain_text(html):
    """Return the text of sanitised HTML: tags dropped, entities decoded, spaces folded."""
    return Markup(html).striptags()


def shorten(text, limit):
    """Return ``text`` on one line, cut at a word to at most ``limit`` characters ("…" included)."""
    text = " ".join(_CONTROL.sub("", text).split())
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–—“‘\"'") + "…"


def card_text(quote, note_text, verdict=None, limit=CARD_LIMIT):
    """Return a note's share-card description: its verdict, its words, its text; plain text.

    The quote gets at most half of ``limit``, the note the rest; the whole is at most
    ``limit`` characters. The caller escapes it (a template attribute does).
    """
    head = f"{verdict}: " if verdict else ""
    quote = shorten(quote or "", limit // 2 - 2)
    quoted = f"“{quote}” " if quote else ""
    return shorten(head + quoted + (note_text or ""), limit)


def oembed_target(url, hosts):
    """Return the Target a URL of ours names, or None for anything else.

    Ours: http(s) on one of ``hosts`` (``host[:port]``, lower case), with the path of a
    document page (``/docs/<slug>``, a ``#a-ID`` permalink, its ``/embed``) or of a
    share page (``/a/<ID>``). Anything else (other hosts, other paths, junk) is None.
    """
    if not isinstance(url, str) or len(url) > MAX_URL:
        return None
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    default = {"http": 80, "https": 443}.get(parts.scheme)
    if default is None or (host if port in (None, default) else f"{host}:{port}") not in hosts:
        return None
    note = _NOTE_PATH.fullmatch(parts.path)
    if note:
        return _note_target(None, note.group(1))
    document = _DOCUMENT_PATH.fullmatch(parts.path)
    if not document:
        return None
    slug = unquote(document.group(1))
    if not slug or "\x00" in slug:
        return None
    fragment = _NOTE_FRAGMENT.fullmatch(parts.fragment)
    return _note_target(slug, fragment.group(1)) if fragment else Target(slug, None)


def _note_target(slug, digits):
    number = int(digits)
    return Target(slug, number) if number <= MAX_ID else None


def embed_size(maxwidth=None, maxheight=None):
    """Return an embed's ``(width, height)`` in px: the defaults, within the given bounds.

    Raise ValueError for a bound that is not a whole number from 1 up.
    """
    size = []
    for name, bound, default in (("maxwidth", maxwidth, EMBED_WIDTH),
                                 ("maxheight", maxheight, EMBED_HEIGHT)):
        if bound is None or bound == "":
            size.append(default)
            continue
        if not _BOUND.fullmatch(bound) or int(bound) < 1:
            raise ValueError(f"{name} must be a whole number of pixels from 1 up")
        size.append(min(default, int(bound)))
    return tuple(size)


def iframe_html(src, width, height, title):
    """Return the ``<iframe>`` an oEmbed answer gives a publisher's page: escaped, sandboxed.

    The frame may run its scripts and open links in a new tab or (when clicked) the
    top window; nothing else of the publisher's page is given to it.
    """
    return Markup(
        '<iframe src="{src}" width="{width}" height="{height}" title="{title}" '
        'loading="lazy" allow="clipboard-write" style="border: 0; max-width: 100%;" '
        'sandbox="allow-scripts allow-same-origin allow-popups '
        'allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation">'
        '</iframe>').format(src=src, width=int(width), height=int(height), title=title)

