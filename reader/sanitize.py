"""Markdown -> HTML through one bleach allowlist: the sole source of safe HTML."""

import threading
from functools import partial

import bleach
import markdown
from bleach.linkifier import LinkifyFilter, build_url_re
from markupsafe import Markup

ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h3", "h4", "h5", "h6",
    "hr", "i", "li", "ol", "p", "pre", "q", "s", "strong", "sub", "sup", "ul",
})
ALLOWED_ATTRIBUTES = {"a": ["href", "title"], "abbr": ["title"], "q": ["cite"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
MARKDOWN_EXTENSIONS = ["sane_lists", "nl2br"]


def _link_rel(attrs, new=False):
    """Give every link ``rel="nofollow noopener noreferrer"``: notes link out, never vouch."""
    if (None, "href") not in attrs:
        return attrs
    attrs[(None, "rel")] = "nofollow noopener noreferrer"
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


# Neither a bleach Cleaner nor a Markdown converter may be shared between threads, and
# building them costs more than converting a note: one of each per thread.
_local = threading.local()


def _tools():
    if not hasattr(_local, "cleaner"):
        _local.cleaner = _cleaner()
        _local.markdown = markdown.Markdown(extensions=MARKDOWN_EXTENSIONS, output_format="html")
    return _local.markdown, _local.cleaner


def render_markdown(source):
    """Return ``source`` (Markdown, possibly with raw HTML) as sanitised, safe HTML."""
    if not source:
        return Markup("")
    converter, cleaner = _tools()
    html = converter.reset().convert(source)
    return Markup(cleaner.clean(html))

