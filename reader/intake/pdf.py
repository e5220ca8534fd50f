"""PDFs: the text layer as paragraphs, running headers and page numbers dropped, and the
metadata of the PDF's information dictionary.

pypdf reads the file under tighter limits than its defaults (decompressed bytes per
stream, page-tree entries); more than MAX_PAGES pages is refused before any page is
read, and the text stops growing at MAX_TEXT_CHARS. A PDF without a text layer (a
scan) is refused with a message that says so.
"""

import io
import re
from collections import Counter
from datetime import date, datetime

from pypdf import PdfReader, apply_configuration

from . import MAX_TEXT_CHARS, Found, IntakeError, complete_meta

MAX_PAGES = 300
MIN_CHARS_PER_PAGE = 20  # fewer letters and digits than this a page: no text layer
LIMITS = {  # per stream, per file: generous for text, far below pypdf's defaults
    "zlib_maximum_output_length": 20_000_000, "lzw_maximum_output_length": 20_000_000,
    "run_length_maximum_output_length": 20_000_000,
    "array_based_stream_maximum_output_length": 20_000_000,
    "page_tree_maximum_entries": 20_000, "page_tree_maximum_page_entries": 100_000,
    "outline_maximum_entries": 10_000, "stream_parsing_work_maximum_count": 1_000_000,
}
EDGE_LINES = 2  # lines at the top and the bottom of a page that may be running heads
_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")
_WORD_AT_END = re.compile(r"(\w+)-$")
_WORD_AT_START = re.compile(r"^(\w+)")
_SENTENCE_END = (".", "!", "?", ":", "\"", "”", "’", "»", ")")
_WORDS = re.compile(r"\w+(?:-\w+)*")  # "well-known" is one word
_FILE_NAME_TITLE = re.compile(
    r"^(?:microsoft (?:word|powerpoint) - .*|.*\.(?:docx?|odt|pdf|indd|rtf|pages)|untitled.*)$",
    re.IGNORECASE)


def extract_pdf(raw):
    """Return the Found text and metadata of PDF bytes ``raw``; raise IntakeError if it has none."""
    try:
        with apply_configuration(**LIMITS):
            reader = PdfReader(io.BytesIO(raw), strict=False)
            if reader.is_encrypted and not reader.decrypt(""):
                raise IntakeError("the PDF is protected by a password")
            count = len(reader.pages)
            if count > MAX_PAGES:
                raise IntakeError(f"the PDF has {count:,} pages; the limit is {MAX_PAGES}")
            pages, total = [], 0
            for page in reader.pages:
                text = page.extract_text() or ""
                total += len(text)
                if total > MAX_TEXT_CHARS:
                    raise IntakeError(f"the PDF's text is longer than {MAX_TEXT_CHARS:,} characters")
                pages.append(text)
            info = _info(reader)
    except IntakeError:
        raise
    except Exception as exc:  # noqa: BLE001 — a hostile file can break a parser anywhere
        raise IntakeError(f"the PDF cannot be read ({type(exc).__name__})") from None
    if count == 0:
        raise IntakeError("the PDF has no pages")
    letters = sum(ch.isalnum() for text in pages for ch in text)
    if letters < MIN_CHARS_PER_PAGE * count:
        raise IntakeError("the PDF has no text layer (it looks like a scan): run it through "
                          "text recognition (OCR) first, or paste its text")
    text = join_pages(pages)
    title = info.get("title", "")
    if not title or _FILE_NAME_TITLE.match(title):  # else the first line of the first page
        title = next((line.strip() for page in pages for line in page.split("\n")
                      if line.strip()), "")[:300]
    return Found("pdf", text, complete_meta({**info, "title": title}))


def _info(reader):
    """Return title, author, date and language from the PDF's information and catalog."""
    info = reader.metadata or {}
    found = {"title": _string(info.get("/Title")), "author": _string(info.get("/Author"))}
    try:
        created = info.creation_date if hasattr(info, "creation_date") else None
    except ValueError:
        created = None
    if isinstance(created, datetime | date):
        found["published_on"] = created.date().isoformat() if isinstance(created, datetime) \
            else created.isoformat()
    language = reader.trailer.get("/Root", {}).get("/Lang")
    if language:
        from .html import normalise_language
        found["language"] = normalise_language(_string(language))
    return found


def _string(value):
    return " ".join(str(value).split())[:300] if value is not None else ""


def join_pages(pages):
    """Return the canonical text of PDF pages' extracted texts.

    Lines that repeat at the top or bottom of every page (a running header, a footer,
    a page number, digits aside) are dropped; a page's lines become paragraphs
    (one ends at a blank line, or a short one unless the next goes on in lower case); a word hyphenated at a line's end is
    joined again, keeping the hyphen only where the text writes the word with one
    elsewhere; pages are separated like paragraphs, unless the next page goes on
    in lower case (the sentence, or the word, runs on).
    """
    page_lines = [[_SPACE.sub(" ", line).strip() for line in text.split("\n")] for text in pages]
    running = _running_lines(page_lines)
    vocabulary = Counter(word.casefold() for lines in page_lines for line in lines
                         for word in _WORDS.findall(line))
    lengths = sorted(len(line) for lines in page_lines for line in lines if line)
    typical = lengths[len(lengths) * 3 // 4] if lengths else 0
    short = max(20, typical * 3 // 4)
    paragraphs, current = [], []  # current: the pieces of the paragraph being read
    for lines in page_lines:
        lines = _without_running(lines, running)
        first = next((line for line in lines if line), "")
        if current and not first[:1].islower():  # a new page starts a new paragraph
            paragraphs.append("".join(current))  # unless a sentence (or a word) runs on
            current = []
        for line, following in zip(lines, lines[1:] + [""]):
            if not line:
                if current:
                    paragraphs.append("".join(current))
                current = []
                continue
            _join(current, line, vocabulary)
            if _ends_paragraph(line, following, short):
                paragraphs.append("".join(current))
                current = []
    if current:
        paragraphs.append("".join(current))
    return "\n\n".join(paragraphs)


def _ends_paragraph(line, following, short):
    """True if a paragraph ends with ``line``: a short line, unless the next goes on in lower case."""
    if len(line) >= short or _WORD_AT_END.search(line[-64:]) or line.endswith("\u00ad"):
        return False
    return line.endswith(_SENTENCE_END) or not following[:1].islower()


def _key(line):
    """A line as a running head is compared: digits (page numbers) and case aside."""
    return _DIGITS.sub("#", line.casefold())


def _edges(lines):
    """Return the indices of the first and last EDGE_LINES non-blank lines of a page."""
    filled = [i for i, line in enumerate(lines) if line]
    return set(filled[:EDGE_LINES] + filled[-EDGE_LINES:])


def _running_lines(page_lines):
    """Return the keys of lines found at the edge of every page (one page may lack them)."""
    if len(page_lines) < 2:
        return set()
    counts = Counter()
    for lines in page_lines:
        counts.update({_key(lines[i]) for i in _edges(lines)})
    needed = len(page_lines) if len(page_lines) <= 3 else len(page_lines) - 1
    return {key for key, n in counts.items() if n >= needed}


def _without_running(lines, running):
    edges = _edges(lines)
    return [line for i, line in enumerate(lines) if i not in edges or _key(line) not in running]


def _join(pieces, line, vocabulary):
    """Add ``line`` to a paragraph's ``pieces``, mending a word split at the previous line's end."""
    if not pieces:
        pieces.append(line)
        return
    last = pieces[-1]
    if last.endswith("\u00ad"):  # a soft hyphen only ever marks a break
        pieces[-1] = last[:-1]
        pieces.append(line)
        return
    end, start = _WORD_AT_END.search(last[-64:]), _WORD_AT_START.match(line)
    if end and start and not line[0].islower():  # "Soviet-" + "American": a compound
        pieces.append(line)
        return
    if end and start:
        whole = (end.group(1) + start.group(1)).casefold()
        hyphenated = f"{end.group(1)}-{start.group(1)}".casefold()
        if vocabulary[hyphenated] <= vocabulary[whole]:
            pieces[-1] = last[:-1]
        pieces.append(line)
        return
    pieces.append(" " + line)
