"""Annotations as CSV for spreadsheets: one row per note, no cell a spreadsheet would run.

RFC 4180 quoting (commas, quotes and line breaks inside a cell are kept), UTF-8 with a
byte-order mark so spreadsheet programs read Cyrillic and curly quotes right. A text cell
that starts with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) would be read
as a formula: it gets a leading apostrophe, which spreadsheets show as text and hide.
Pure: no Flask, no SQLAlchemy.
"""

import csv
import io

from ..config import KIND_LABELS, VERDICT_LABELS

HEADER = ("document", "quote", "start", "end", "kind", "verdict", "note", "tags", "source",
          "author", "status", "created", "modified", "permalink")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def neutralise(value):
    """Return a cell's text, with an apostrophe before what a spreadsheet would run."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def note_row(annotation, slug, permalink, isoformat):
    """Return the cells of one note: ``annotation`` has the model's attributes (duck-typed)."""
    source = annotation.source
    # the name readers see: an editor's sign-in name is never published
    author = (annotation.creator.public_name if annotation.creator is not None
              else annotation.creator_name)
    return [
        neutralise(slug),
        neutralise(annotation.exact if annotation.start is not None or annotation.orphan else ""),
        "" if annotation.start is None else annotation.start,
        "" if annotation.end is None else annotation.end,
        neutralise(KIND_LABELS.get(annotation.kind, annotation.kind)),
        neutralise(VERDICT_LABELS.get(annotation.verdict, annotation.verdict or "")),
        neutralise(annotation.body),
        neutralise(", ".join(annotation.tags or ())),
        neutralise(source.title if source is not None else ""),
        neutralise(author),
        neutralise(annotation.status),
        isoformat(annotation.created_at),
        isoformat(annotation.modified_at),
        neutralise(permalink),
    ]


def csv_lines(rows):
    """Yield CSV text: the header (after a BOM), then one record per row of cells."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    yield BOM + buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(row)
        yield buffer.getvalue()
