"""Saved web pages: the article's text without boilerplate, and the page's metadata.

The article is found by trafilatura (navigation, ads, share buttons, related links
and comments left out); each paragraph, heading, list item, quote and table row
becomes one paragraph of the canonical text, paragraphs separated by a blank line.
Metadata comes from meta tags, OpenGraph and JSON-LD. Work is bounded: the caller
caps the bytes, and a page of more than MAX_ELEMENTS elements is refused before
the extractor (whose cost grows with the number of elements) sees it.
"""

import codecs
import json
import re
from urllib.parse import urljoin

import trafilatura
from trafilatura.utils import load_html

from . import MAX_TEXT_CHARS, Found, IntakeError, complete_meta
from .identity import canonical_url

MAX_ELEMENTS = 50_000  # a long article page has 2,000 to 10,000
MAX_JSON_LD_CHARS = 200_000  # per script element
_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_SPACE = re.compile(r"\s+")
_BLOCKS = ("p", "head", "list", "table", "quote", "div", "section")
_ARTICLE_TYPES = re.compile(r"(Article|BlogPosting|Report|Review|WebPage)$")
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))


def decode_html(raw, charset=""):
    """Return ``(text, charset)``: ``raw`` decoded by its BOM, the server's charset, its
    ``<meta charset>``, UTF-8, or else windows-1252 (as browsers do)."""
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return raw.decode(name, errors="replace").lstrip("\ufeff"), name
    declared = _META_CHARSET.search(raw[:4096])
    candidates = [charset, declared.group(1).decode("ascii") if declared else ""]
    for name in filter(None, candidates):
        try:
            name = codecs.lookup(name).name
        except LookupError:
            continue
        if name in ("utf-16", "utf-16-le", "utf-16-be", "utf-32"):
            continue  # declared but not sent that way (no BOM): browsers read it as UTF-8
        return raw.decode(name, errors="replace"), name
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace"), "cp1252"


def extract_html(raw, charset="", url=""):
    """Return the Found article of the page ``raw`` (bytes); raise IntakeError if it has none."""
    text, charset = decode_html(raw, charset)
    tree = load_html(_XML_DECLARATION.sub("", text, count=1))
    if tree is None:
        raise IntakeError("not an HTML page (it could not be read as one)")
    elements = sum(1 for _ in tree.iter())
    if elements > MAX_ELEMENTS:
        raise IntakeError(f"the page has {elements:,} elements; the limit is {MAX_ELEMENTS:,}")
    own = page_metadata(tree, url)
    document = None
    for precision in (True, False):  # precision first; a short article may need recall
        document = trafilatura.bare_extraction(
            tree, url=url or None, favor_precision=precision, favor_recall=not precision,
            include_comments=False, include_tables=True, include_images=False,
            include_links=False, include_formatting=False, with_metadata=True)
        if document is not None and document.body is not None and len(document.body):
            break
    if document is None or document.body is None:
        raise IntakeError("no article text was found in this page")
    article = "\n\n".join(paragraphs(document.body))
    if not article.strip():
        raise IntakeError("no article text was found in this page")
    if len(article) > MAX_TEXT_CHARS:
        raise IntakeError(f"the article has {len(article):,} characters; "
                          f"the limit is {MAX_TEXT_CHARS:,}")
    meta = {
        "title": document.title or own.get("title"),
        "author": document.author or own.get("author"),
        "outlet": own.get("outlet") or document.sitename,
        "published_on": own.get("published_on") or document.date,
        "source_url": own.get("source_url") or canonical_url(document.url) or canonical_url(url),
        "language": own.get("language"),
    }
    return Found("html", article, complete_meta(meta), charset=charset)


def paragraphs(body):
    """Yield the paragraphs of trafilatura's article tree, in order, each on its own."""
    for element in body:
        tag = element.tag
        if tag == "list":
            numbered = element.get("rend") == "ol"
            for n, item in enumerate(element.iterchildren("item"), 1):
                nested = list(item.iterchildren("list"))
                for child in nested:
                    item.remove(child)
                line = _line(item)
                if line:
                    yield f"{n}. {line}" if numbered else f"• {line}"
                yield from paragraphs(nested)
        elif tag == "table":
            for row in element.iter("row"):
                cells = [_line(cell) for cell in row.iterchildren("cell")]
                if any(cells):
                    yield " | ".join(c for c in cells if c)
        elif tag in ("quote", "div", "section") and any(
                child.tag in _BLOCKS for child in element):
            yield from paragraphs(element)
        else:
            line = _line(element)
            if line:
                yield line


def _line(element):
    """Return an element's text with spacing folded; its <lb/> line breaks kept as newlines."""
    for lb in element.iter("lb"):
        lb.text = "\n"
    lines = "".join(element.itertext()).split("\n")
    return "\n".join(filter(None, (_SPACE.sub(" ", line).strip() for line in lines)))


def page_metadata(tree, url=""):
    """Return what the page's own markup says that the extractor overlooks or gets second best.

    The canonical link wins over OpenGraph's URL (which often carries tracking
    parameters); the language comes from ``<html lang>``, Content-Language,
    ``og:locale`` or JSON-LD ``inLanguage``.
    """
    found = {}
    ld = _json_ld_article(tree)
    canonical = _first(tree.xpath("//link[contains(concat(' ', translate(@rel, 'CANONICAL', "
                                  "'canonical'), ' '), ' canonical ')]/@href"))
    og_url = _meta(tree, "og:url")
    for candidate in (canonical, _ld_url(ld), og_url):
        if candidate:
            absolute = canonical_url(urljoin(url, candidate.strip()) if url else candidate)
            if absolute:
                found["source_url"] = absolute
                break
    language = (_first(tree.xpath("/html/@lang")) or _first(tree.xpath("/html/@xml:lang"))
                or _meta(tree, "content-language", attribute="http-equiv")
                or _meta(tree, "og:locale") or _ld_text(ld.get("inLanguage")))
    if language:
        found["language"] = normalise_language(language)
    publisher = ld.get("publisher")
    if isinstance(publisher, dict):
        found["outlet"] = _ld_text(publisher.get("name"))
    found["outlet"] = _meta(tree, "og:site_name") or found.get("outlet", "")
    found["published_on"] = _date(_ld_text(ld.get("datePublished"))
                                  or _meta(tree, "article:published_time"))
    return {key: value for key, value in found.items() if value}


def normalise_language(value):
    """Return a language tag like ``en-GB`` from ``en_gb``, ``EN-gb`` or ``en-GB, fr``."""
    tag = value.split(",")[0].strip().replace("_", "-")
    parts = [p for p in tag.split("-") if p.isalnum()][:3]
    if not parts or not parts[0].isalpha() or len(parts[0]) > 8:
        return ""
    return "-".join([parts[0].lower()] + [p.upper() if len(p) == 2 else p for p in parts[1:]])[:35]


def _date(value):
    match = re.match(r"\s*(\d{4}-\d{2}-\d{2})", value or "")
    return match.group(1) if match else ""


def _first(values):
    for value in values:
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def _meta(tree, name, attribute=None):
    """Return the content of the first ``<meta property|name=name>`` (case-insensitive)."""
    for meta in tree.iter("meta"):
        keys = [meta.get(attribute)] if attribute else [meta.get("property"), meta.get("name")]
        if any(k and k.strip().lower() == name for k in keys) and (meta.get("content") or "").strip():
            return meta.get("content").strip()
    return ""


def _json_ld_article(tree):
    """Return the page's first JSON-LD object typed as an article or page, else {}."""
    for script in tree.xpath("//script[@type='application/ld+json']"):
        source = script.text or ""
        if len(source) > MAX_JSON_LD_CHARS:
            continue
        try:
            data = json.loads(source)
        except (ValueError, RecursionError):
            continue
        for item in _ld_items(data):
            types = item.get("@type")
            types = types if isinstance(types, list) else [types]
            if any(isinstance(t, str) and _ARTICLE_TYPES.search(t) for t in types):
                return item
    return {}


def _ld_items(data):
    """Yield the objects at the top of a JSON-LD document, inside lists and ``@graph``."""
    items = data if isinstance(data, list) else [data]
    for item in items[:100]:
        if isinstance(item, dict):
            graph = item.get("@graph")
            if isinstance(graph, list):
                yield from (g for g in graph[:100] if isinstance(g, dict))
            yield item


def _ld_text(value):
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dict):
        return _ld_text(value.get("name") or value.get("@id") or value.get("alternateName"))
    if isinstance(value, list) and value:
        return _ld_text(value[0])
    return ""


def _ld_url(ld):
    value = ld.get("url") or ld.get("mainEntityOfPage")
    return _ld_text(value) if not isinstance(value, dict) else _ld_text(value.get("@id") or value.get("url"))
