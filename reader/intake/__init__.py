"""Saved web pages, URLs and PDFs turned into canonical text and metadata.

Pure: no Flask, no SQLAlchemy. ``read_file`` takes a file's name and bytes (or a
fetched page's) and returns what was found in it; every size is checked before
anything is parsed, and every parser's work is bounded (see the limits below).
"""

from dataclasses import dataclass, field

from ..text.canonical import TextError, canonicalize, detect_metadata

MAX_TEXT_CHARS = 2_000_000  # of an extracted text: the editors' text form takes as much
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
TEXT_SUFFIXES = (".txt", ".md")
PDF_SUFFIXES = (".pdf",)
SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + PDF_SUFFIXES
META_FIELDS = ("title", "author", "outlet", "published_on", "source_url", "language")
MEDIA_TYPES = {"html": "text/html", "pdf": "application/pdf", "text": "text/plain"}


class IntakeError(TextError):
    """A file, page or address cannot become a document; the message says why, for a person."""


@dataclass
class Found:
    """What a file held: its canonical text, its metadata as found, and how to keep the original.

    ``meta`` has every key of META_FIELDS ("" where nothing was found; ``published_on``
    is an ISO date). ``charset`` is the encoding an HTML original was read in.
    """

    kind: str  # "html", "pdf" or "text"
    text: str
    meta: dict = field(default_factory=dict)
    charset: str = ""

    @property
    def media_type(self):
        return MEDIA_TYPES[self.kind]

    @property
    def keeps_original(self):
        """True when the original differs from the text and is kept as an archived copy."""
        return self.kind != "text"


def kind_of(name, raw, media_type=""):
    """Return "html", "pdf" or "text" for a file ``name`` (or a fetched ``media_type``).

    A PDF is known by its first bytes whatever its name. Raises IntakeError for
    any other kind of file.
    """
    if raw[:1024].lstrip().startswith(b"%PDF-") or media_type == "application/pdf":
        return "pdf"
    if media_type in ("text/html", "application/xhtml+xml"):
        return "html"
    if media_type in ("text/plain", "text/markdown"):
        return "text"
    lower = (name or "").lower()
    if lower.endswith(HTML_SUFFIXES):
        return "html"
    if lower.endswith(TEXT_SUFFIXES):
        return "text"
    if lower.endswith(PDF_SUFFIXES):
        raise IntakeError("not a PDF (it does not start like one)")
    raise IntakeError("only .txt, .md, .html, .htm or .pdf files can be added")


def read_file(name, raw, *, media_type="", charset="", url=""):
    """Return what ``raw`` holds as a Found; raise IntakeError (a TextError) if it cannot be a document.

    ``url`` is where a fetched page came from: relative links in it resolve against it,
    and it is the original's address when the page names none.
    """
    kind = kind_of(name, raw, media_type)
    if kind == "html":
        from .html import extract_html
        return extract_html(raw, charset=charset, url=url)
    if kind == "pdf":
        from .pdf import extract_pdf
        found = extract_pdf(raw)
        found.meta["source_url"] = found.meta.get("source_url") or url
        return found
    text = canonicalize(raw)
    if len(text) > MAX_TEXT_CHARS:
        raise IntakeError(f"the text has {len(text):,} characters; the limit is {MAX_TEXT_CHARS:,}")
    return Found("text", text, complete_meta({**detect_metadata(text), "source_url": url}))


def size_words(size):
    """Say a size in bytes as a person reads it: "16 MB", "200 KB", "900 bytes"."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:.3g} {unit}"
    return f"{size} bytes"


def complete_meta(meta):
    """Return ``meta`` with every key of META_FIELDS, values stripped strings ("" if missing)."""
    return {key: " ".join(str(meta.get(key) or "").split()) for key in META_FIELDS}
