"""The CSV rows (interchange/spreadsheet.py) and the corpus file's lines (interchange/corpus.py)."""

import csv
import io
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest

from reader.interchange.corpus import (
    CorpusError, decode, end_line, header_line, read_records, record_line,
)
from reader.interchange.spreadsheet import HEADER, csv_lines, neutralise, note_row
from reader.w3c import isoformat


@pytest.mark.parametrize("value, cell", [
    ("=HYPERLINK(\"http://evil.example\",\"click\")", "'=HYPERLINK(\"http://evil.example\",\"click\")"),
    ("+7 (495) 123", "'+7 (495) 123"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("Putin said = no", "Putin said = no"),
    ("", ""),
    (None, ""),
    (42, "42"),
])
def test_a_cell_a_spreadsheet_would_run_is_neutralised(value, cell):
    assert neutralise(value) == cell


def _note(**changes):
    fields = dict(
        id=7, kind="factcheck", verdict="misleading", status="published",
        exact='He said "no", twice,\nthen left', start=10, end=40, orphan=False,
        body="=IMPORTXML(\"http://evil.example\")\n\nSecond paragraph, with a comma.",
        tags=["nato", "-red lines"], creator=None, creator_name="Maria K.",
        source=SimpleNamespace(title="Press conference"),
        created_at=datetime(2024, 3, 1, 9, 30, tzinfo=UTC),
        modified_at=datetime(2024, 3, 2, 9, 30, tzinfo=UTC))
    return SimpleNamespace(**(fields | changes))


def test_rows_survive_a_csv_reader_with_quotes_commas_and_newlines():
    rows = [note_row(_note(), "a-speech", "http://x.example/docs/a-speech#a-7", isoformat),
            note_row(_note(id=8, kind="note", verdict=None, start=None, end=None, exact="",
                           source=None, body="Кремль", tags=[]),
                     "a-speech", "http://x.example/docs/a-speech#a-8", isoformat)]
    text = "".join(csv_lines(rows))
    assert text.startswith("\ufeffdocument,quote,start,end,")
    assert text.count("\r\n") >= 3
    read = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert read[0] == list(HEADER)
    first = dict(zip(HEADER, read[1]))
    assert first["quote"] == 'He said "no", twice,\nthen left'
    assert (first["start"], first["end"], first["kind"], first["verdict"]) == (
        "10", "40", "Fact check", "Misleading")
    assert first["note"].startswith("'=IMPORTXML")
    assert first["tags"] == "nato, -red lines"  # the cell starts with "n": left as it is
    assert (first["source"], first["author"], first["created"]) == (
        "Press conference", "Maria K.", "2024-03-01T09:30:00Z")
    second = dict(zip(HEADER, read[2]))
    assert (second["quote"], second["start"], second["verdict"], second["note"]) == (
        "", "", "", "Кремль")


RECORDS = ("user", "document", "annotation")


def _file(*lines):
    return [header_line(), *lines]


def test_a_corpus_file_reads_back_what_was_written():
    moment = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
    lines = _file(record_line("user", {"id": 1, "name": "maria", "created_at": moment}),
                  record_line("document", {"id": 3, "published_on": date(2021, 11, 18)}),
                  end_line({"user": 1, "document": 1, "annotation": 0}))
    read = list(read_records(lines, RECORDS))
    assert [(n, record) for n, record, _ in read] == [(2, "user"), (3, "document")]
    assert decode(read[0][2]["created_at"], datetime, "created_at") == moment
    assert decode(read[1][2]["published_on"], date, "published_on") == date(2021, 11, 18)


@pytest.mark.parametrize("lines, message", [
    pytest.param([], "empty", id="empty"),
    pytest.param(['{"format": "something else"}\n'], "not an Annotated Reader corpus",
                 id="other-file"),
    pytest.param(['{"format": "annotated-reader-corpus", "version": 9}\n'], "version 9",
                 id="newer-version"),
    pytest.param(_file(record_line("user", {"id": 1})), "cut short", id="no-end-line"),
    pytest.param(_file(record_line("user", {"id": 1}), "{not json\n"), "line 3: not JSON",
                 id="broken-line"),
    pytest.param(_file(record_line("document", {"id": 1}), record_line("user", {"id": 1}),
                       end_line({"user": 1, "document": 1})),
                 "line 3: a user after the documents", id="out-of-order"),
    pytest.param(_file(record_line("secret", {"id": 1})), "unknown record 'secret'",
                 id="unknown-record"),
    pytest.param(_file(record_line("user", {"id": 1}), end_line({"user": 2})),
                 "user: 1 read, 2 announced", id="counts-disagree"),
    pytest.param(_file(end_line({}), record_line("user", {"id": 1})), "after the end",
                 id="after-the-end"),
])
def test_a_broken_corpus_file_is_refused_naming_the_line(lines, message):
    with pytest.raises(CorpusError, match=message):
        list(read_records(lines, RECORDS))


@pytest.mark.parametrize("value, python_type, message", [
    ("2024-03-01T09:30:00", datetime, "not a valid time"),
    ("yesterday", datetime, "not a valid time"),
    ("2024-02-30", date, "not a valid date"),
    ("7", int, "not a number"),
    (True, int, "not a number"),
    ("yes", bool, "not true or false"),
    (7, str, "not text"),
])
def test_a_value_of_the_wrong_type_is_refused(value, python_type, message):
    with pytest.raises(CorpusError, match=message):
        decode(value, python_type, "line 2: field")
