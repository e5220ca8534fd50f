"""The corpus file: a whole instance's content as JSON Lines, written and read a line at a time.

The first line is the header ``{"format": "annotated-reader-corpus", "version": 1}``.
Then one record per line, ``{"<record>": {column: value, ...}}``, table by table in an
order every reference can be resolved in (accounts, their audit log, documents, their
revisions, sources, their revisions, annotations, their revisions, mentions), each table
in id order (a reference within a table, such as a source merged into a newer one, is
resolved once the table is read). The last line is
``{"end": {"<record>": count, ...}}``: a file without it was cut short.

Values are JSON: times as ISO 8601 with their UTC offset, dates as ``YYYY-MM-DD``, JSON
columns as they are. Nothing else: the same rows always make the same bytes, so two
instances holding the same corpus export identical files. Pure: no Flask, no SQLAlchemy.
"""

import json
from datetime import date, datetime

FORMAT = "annotated-reader-corpus"
VERSION = 1


class CorpusError(ValueError):
    """A corpus file (or one of its lines) cannot be read, with the reason."""


def header_line():
    """Return the first line of a corpus file."""
    return _line({"format": FORMAT, "version": VERSION})


def record_line(record, row):
    """Return one record's line: ``row`` maps column names to database values."""
    return _line({record: {name: _encode(value) for name, value in row.items()}})


def end_line(counts):
    """Return the last line, with how many records of each kind the file holds."""
    return _line({"end": counts})


def _line(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\n"


def _encode(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def decode(value, python_type, name):
    """Return a JSON value as the database value of a column of ``python_type``."""
    if value is None or python_type is None:
        return value
    try:
        if python_type is datetime:
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is None:
                raise ValueError("no UTC offset")
            return moment
        if python_type is date:
            return date.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise CorpusError(f"{name}: {str(value)[:40]!r} is not a valid "
                          f"{'time' if python_type is datetime else 'date'} ({exc})") from None
    if python_type in (int, float) and (isinstance(value, bool) or not isinstance(
            value, (int, float) if python_type is float else int)):
        raise CorpusError(f"{name}: {str(value)[:40]!r} is not a number")
    if python_type is bool and not isinstance(value, bool):
        raise CorpusError(f"{name}: {str(value)[:40]!r} is not true or false")
    if python_type is str and not isinstance(value, str):
        raise CorpusError(f"{name}: {str(value)[:40]!r} is not text")
    return value


def read_records(lines, records):
    """Yield ``(line number, record, row)`` from a corpus file's lines (bytes or text).

    ``records`` names the record kinds, in the order the file must give them. Raises
    CorpusError for a bad header, a line that is not one record, a kind out of order,
    or a file that ends without its last line (or whose counts disagree with it).
    """
    order = {name: i for i, name in enumerate(records)}
    counts = dict.fromkeys(records, 0)
    number, at, ended = 0, 0, False
    for number, raw in enumerate(lines, start=1):
        value = _parse(raw, number)
        if number == 1:
            if not isinstance(value, dict) or value.get("format") != FORMAT:
                raise CorpusError("line 1: not an Annotated Reader corpus file")
            if value.get("version") != VERSION:
                raise CorpusError(f"line 1: corpus version {value.get('version')!r}; this "
                                  f"version reads version {VERSION}")
            continue
        if ended:
            raise CorpusError(f"line {number}: more lines after the end")
        if not isinstance(value, dict) or len(value) != 1:
            raise CorpusError(f"line {number}: expected one record, like {{\"document\": {{…}}}}")
        [(record, row)] = value.items()
        if record == "end":
            _check_end(row, counts, number)
            ended = True
            continue
        if record not in order or not isinstance(row, dict):
            raise CorpusError(f"line {number}: unknown record {record[:40]!r}")
        if order[record] < at:
            raise CorpusError(f"line {number}: a {record} after the {records[at]}s")
        at = order[record]
        counts[record] += 1
        yield number, record, row
    if number == 0:
        raise CorpusError("the file is empty")
    if not ended:
        raise CorpusError(f"the file ends at line {number} without its last line: it was cut "
                          "short")


def _parse(raw, number):
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise CorpusError(f"line {number}: not JSON ({exc})") from None


def _check_end(row, counts, number):
    if not isinstance(row, dict):
        raise CorpusError(f"line {number}: the end line must count the records")
    differ = [f"{name}: {counts.get(name, 0)} read, {row.get(name)} announced"
              for name in counts if row.get(name, 0) != counts[name]]
    if differ:
        raise CorpusError(f"line {number}: the counts disagree ({'; '.join(differ)})")
