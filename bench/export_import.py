"""Export and import N annotations; print times as ratios to baselines measured in the same run.

Export baseline: a plain sqlite3 SELECT of the same rows plus json.dumps of each row.
Import baseline: json.loads of the exported file plus one sqlite3 executemany INSERT of the
same columns, in one transaction. Export and import are timed without tracemalloc (it slows
Python itself); their peak memory is measured in a second, separate pass. Each time is
given as wall-clock time and as this process's CPU time: on a shared machine the disk's
waits swing the first (SQLite works inside the process, so the second is all its work).
The database is a file under TMPDIR. Run:
    .venv/bin/python bench/export_import.py [N ...]        (default 10000 100000)
"""

import gc
import json
import os
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from reader import create_app, safejson
from reader.extensions import db
from reader.models import Annotation
from reader.services.documents import create_document
from reader.services.interchange import import_annotations, stream_export

WORD = "statement"
BASE = "http://bench.example"


def _populate(n):
    """One document of n sentences and n published annotations, inserted in bulk."""
    text = "Benchmark\n\n" + "".join(f"Sentence {i} has a {WORD} in it. " for i in range(n))
    document = create_document(text, {"title": "Benchmark"})
    db.session.commit()
    rows, pos = [], 0
    for i in range(n):
        pos = text.index(WORD, pos)
        rows.append({"document_id": document.id, "start": pos, "end": pos + len(WORD),
                     "exact": WORD, "prefix": text[max(0, pos - 32):pos],
                     "suffix": text[pos + len(WORD):pos + len(WORD) + 32], "kind": "note",
                     "body": f"Note {i}", "tags": ["bench"], "status": "published",
                     "version": 1, "orphan": False, "anchor_state": "unchanged",
                     "creator_name": "Bench"})
        pos += len(WORD)
    db.session.execute(Annotation.__table__.insert(), rows)
    db.session.commit()
    return document.id


def _export_baseline(path):
    start, cpu = time.perf_counter(), time.process_time()
    connection = sqlite3.connect(path)
    with open(os.devnull, "w") as sink:
        for row in connection.execute(
                "SELECT a.id, d.slug, a.kind, a.body, a.tags, a.status, a.start, a.end, a.exact,"
                " a.prefix, a.suffix, a.created_at, a.modified_at FROM annotations a"
                " JOIN documents d ON d.id = a.document_id ORDER BY a.id"):
            sink.write(json.dumps(row))
    connection.close()
    return time.perf_counter() - start, time.process_time() - cpu


def _import_baseline(path, exported, document_id):
    """json.loads of the file, then the same columns in one executemany INSERT, committed."""
    start, cpu = time.perf_counter(), time.process_time()
    items = json.loads(exported.read_bytes())["first"]["items"]
    rows = []
    for item in items:
        quote, position = item["target"]["selector"]
        rows.append((document_id, "note", item["body"][0]["value"], json.dumps(["bench"]),
                     item["ar:status"], position["start"], position["end"], quote["exact"],
                     quote["prefix"], quote["suffix"], item["created"], item["modified"]))
    connection = sqlite3.connect(path)
    with connection:
        connection.executemany(
            "INSERT INTO annotations (document_id, kind, body, tags, status, start, \"end\","
            " exact, prefix, suffix, created_at, modified_at, orphan, anchor_state, version,"
            " creator_name, needs_check, body_html) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
            " 0, 'unchanged', 1, '', 0, '')", rows)
    elapsed = time.perf_counter() - start, time.process_time() - cpu
    with connection:
        connection.execute("DELETE FROM annotations")
    connection.close()
    return elapsed


def _export(out):
    with out.open("w", encoding="utf-8") as handle:
        for chunk in stream_export(BASE, None, include_drafts=True):
            handle.write(chunk)


def _import(exported):
    """What ``annotations import FILE`` does: read, parse, check, write, commit."""
    data = safejson.loads(exported.read_bytes())
    gc.freeze()
    try:
        counts = import_annotations(data, BASE)
    finally:
        gc.unfreeze()
    db.session.commit()
    return counts


def _empty():
    """Delete every annotation; the search index merged again, so each write starts alike."""
    db.session.execute(db.text("DELETE FROM annotation_revisions"))
    db.session.execute(db.text("DELETE FROM annotations"))
    db.session.execute(db.text("INSERT INTO annotation_fts (annotation_fts) VALUES ('optimize')"))
    db.session.commit()


def _timed(work, *args):
    start, cpu = time.perf_counter(), time.process_time()
    result = work(*args)
    return (time.perf_counter() - start, time.process_time() - cpu), result


def _peak(work, *args):
    tracemalloc.start()
    work(*args)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def run(n):
    """Measure export and import of n annotations; return the figures."""
    folder = Path(tempfile.mkdtemp())
    path = folder / "bench.sqlite"
    app = create_app({"DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": "bench"})
    with app.app_context():
        db.create_all()
        document_id = _populate(n)
        out = folder / "export.json"
        read_baseline = _export_baseline(path)
        exported, _ = _timed(_export, out)
        export_peak = _peak(_export, folder / "again.json")
        _empty()
        write_baseline = _import_baseline(path, out, document_id)
        _empty()
        imported, counts = _timed(_import, out)
        _empty()
        import_peak = _peak(_import, out)
        db.session.remove()
        db.engine.dispose()
    return {"n": n, "created": counts["created"], "read_baseline": read_baseline,
            "export": exported, "export_peak": export_peak, "size": out.stat().st_size,
            "write_baseline": write_baseline, "import": imported, "import_peak": import_peak}


def _line(label, times, baseline=None):
    wall, cpu = times
    text = f"  {label:<52}{wall:7.2f} s wall{cpu:7.2f} s CPU"
    if baseline:
        text += f"  = {wall / baseline[0]:4.1f}x wall, {cpu / baseline[1]:4.1f}x CPU"
    return text


def main():
    sizes = [int(arg) for arg in sys.argv[1:]] or [10_000, 100_000]
    mib = 2 ** 20
    for f in map(run, sizes):
        print(f"annotations: {f['n']:,} ({f['created']:,} imported), "
              f"{f['size'] / mib:.1f} MiB of JSON")
        print(_line("export baseline (sqlite3 SELECT + json.dumps)", f["read_baseline"]))
        print(_line("export (streamed W3C JSON-LD)", f["export"], f["read_baseline"]))
        print(_line("import baseline (json.loads + sqlite3 executemany)", f["write_baseline"]))
        print(_line("import (checked, all or nothing, with revisions)", f["import"],
                    f["write_baseline"]))
        print(f"  peak Python memory: export {f['export_peak'] / mib:.1f} MiB, "
              f"import {f['import_peak'] / mib:.1f} MiB")


if __name__ == "__main__":
    main()
