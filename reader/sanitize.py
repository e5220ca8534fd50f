"""Markdown -> HTML through one bleach allowlist: the sole source of safe HTML.

A note is rendered once, when it is saved, and its HTML stored; still, no body may hold
a worker for long. The Markdown parser (markdown-it-py, CommonMark) does work linear in
its input. The HTML parser inside bleach (html5lib) does work proportional to its input
times how deeply elements are open inside one another, so a body nested deeper than
MAX_DEPTH, or with more than MAX_RAW_TAGS raw HTML tags (each could open one more
level), is shown as its plain text instead: nothing is lost, and all work stays linear.
"""

import re
import threading
from functools import partial

import bleach
from bleach.linkifier import LinkifyFilter, build_url_re
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h3", "h4", "h5", "h6",
    "hr", "i", "li", "ol", "p", "pre", "q", "s", "strong", "sub", "sup", "ul",
})
ALLOWED_ATTRIBUTES = {"a": ["href", "title"], "abbr": ["title"], "q": ["cite"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
# CommonMark as written, raw HTML included (bleach decides what of it stays); a single
# newline is a line break, as editors type notes; bare URLs are linked by bleach below.
MARKDOWN_OPTIONS = {"html": True, "breaks": True, "xhtmlOut": False, "linkify": False}
MAX_DEPTH = 19  # elements open inside one another; a real note needs under ten
MAX_RAW_TAGS = 200  # raw HTML tags in one note (a note uses a few <abbr> or <q> at most)
# One line of words that neither Markdown nor the linkifier nor escaping changes: letters and
# digits, spaces inside, and punctuation that marks up nothing (a "." never before a letter
# or digit, so no domain name). It starts with a letter (no list, heading or quote) and ends
# without a space. Rendered, it is itself in a paragraph: no parser needed (imports of
# thousands of short notes).
_PLAIN = re.compile(r"[^\W\d_](?:[^\W_]|[ ,;!?()-]|\.(?![^\W_]))*(?<! )")


def _link_rel(attrs, new=False):
    """Give every link ``rel="nofollow"``: notes link out, never vouch. (No ``noreferrer``
    a link: every page's Referrer-Policy, ``same-origin``, tells no other site where the
    reader came from; and no ``noopener``: a note's link opens no window of its own, and
    one that opens in a new tab, as in the embed, is kept from its opener by the browser.
    A page of 10,000 notes was 0.2 MB lighter for it.)"""
    if (None, "href") not in attrs:
        return attrs
    attrs[(None, "rel")] = "nofollow"
    return attrs


def _cleaner():
    """The allowlist cleaner, with links made safe."""
    return bleach.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
        # Linkify runs after the protocol check; by default it would link bare "data:…",
        # "feed:…" and other html5lib protocols, so it gets the same allowlist.
        filters=[partial(LinkifyFilter, callbacks=[_link_rel], skip_tags={"pre", "code"},
                         url_re=build_url_re(protocols=ALLOWED_PROTOCOLS))],
    )


# A bleach Cleaner may not be shared between threads, and building one (or a parser)
# costs more than converting a note: one of each per thread.
_local = threading.local()


def _tools():
    if not hasattr(_local, "cleaner"):
        _local.cleaner = _cleaner()
        # One level past MAX_DEPTH (20: CommonMark's preset): deeper content, which
        # markdown-it would silently drop, makes the note too deep, so shown as plain
        # text. Its work on runs of `[` grows with this limit too (about 0.1 s for 10,000).
        _local.markdown = MarkdownIt("commonmark", {**MARKDOWN_OPTIONS,
                                                    "maxNesting": MAX_DEPTH + 1})
    return _local.markdown, _local.cleaner


def _too_nested(tokens):
    """Return True if parsed Markdown ``tokens`` nest past MAX_DEPTH or hold too much raw HTML."""
    depth = raw_tags = 0
    for token in tokens:
        if token.type == "html_block":
            raw_tags += token.content.count("<")
        inner = 0
        for child in token.children or ():
            inner = max(inner, child.level + (child.nesting == 1))
            if child.type == "html_inline":
                raw_tags += child.content.count("<")
        depth = max(depth, token.level + (token.nesting == 1) + inner)
    return depth > MAX_DEPTH or raw_tags > MAX_RAW_TAGS


def _plain_text(source):
    """Return ``source`` as escaped text in one paragraph, each newline a line break."""
    return f"<p>{str(escape(source)).replace(chr(10), '<br>' + chr(10))}</p>"


def render_markdown(source):
    """Return ``source`` (Markdown, possibly with raw HTML) as sanitised, safe HTML.

    Pages never call this for a reader: a note's HTML is rendered when it is saved and
    stored with it (``Annotation.body_html``); only the editor's preview, and a corrected
    note's earlier wording (services/corrections.py), render on request.
    """
    if not source:
        return Markup("")
    if _PLAIN.fullmatch(source):
        return Markup(f"<p>{source}</p>")
    return render_markdown_fully(source)


def render_markdown_fully(source):
    """Return ``render_markdown(source)`` through the parser and the cleaner, with no shortcut."""
    if not source:
        return Markup("")
    parser, cleaner = _tools()
    tokens = parser.parse(source)
    if _too_nested(tokens):
        html = _plain_text(source)
    else:
        html = parser.renderer.render(tokens, parser.options, {})
    return Markup(cleaner.clean(html).rstrip("\n"))

