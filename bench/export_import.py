"""Export and import N annotations; print times as ratios to a baseline measured in the same run.

Baseline: a plain sqlite3 SELECT of the same rows plus json.dumps of each row. Run:
    .venv/bin/python bench/export_import.py [N]        (default 100000)
"""

import json
import os
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from reader import create_app
from reader.extensions import db
from reader.services.documents import create_document
from reader.services.interchange import import_annotations, stream_export

WORD = "statement"


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
    from reader.models import Annotation
    db.session.execute(Annotation.__table__.insert(), rows)
    db.session.commit()


def _baseline(path):
    start = time.perf_counter()
    connection = sqlite3.connect(path)
    with open(os.devnull, "w") as sink:
        for row in connection.execute(
                "SELECT a.id, d.slug, a.kind, a.body, a.tags, a.status, a.start, a.end, a.exact,"
                " a.prefix, a.suffix, a.created_at, a.modified_at FROM annotations a"
                " JOIN documents d ON d.id = a.document_id ORDER BY a.id"):
            sink.write(json.dumps(row))
    connection.close()
    return time.perf_counter() - start


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    folder = Path(tempfile.mkdtemp())
    path = folder / "bench.sqlite"
    app = create_app({"DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": "bench"})
    with app.app_context():
        db.create_all()
        _populate(n)
        baseline = _baseline(path)
        out = folder / "export.json"
        tracemalloc.start()
        start = time.perf_counter()
        with out.open("w", encoding="utf-8") as handle:
            for chunk in stream_export("http://bench.example", None, include_drafts=True):
                handle.write(chunk)
        exported = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        data = json.loads(out.read_text(encoding="utf-8"))
        db.session.execute(db.text("DELETE FROM annotation_revisions"))
        db.session.execute(db.text("DELETE FROM annotations"))
        db.session.commit()
        start = time.perf_counter()
        counts = import_annotations(data, "http://bench.example")
        db.session.commit()
        imported = time.perf_counter() - start
    print(f"annotations: {n:,} ({counts['created']:,} imported)")
    print(f"baseline (sqlite3 SELECT + json.dumps): {baseline:8.2f} s")
    print(f"export (streamed W3C JSON-LD):           {exported:8.2f} s  = {exported / baseline:5.1f}x baseline")
    print(f"import (checked, all or nothing):        {imported:8.2f} s  = {imported / baseline:5.1f}x baseline")
    print(f"export peak Python memory: {peak / 2**20:.1f} MiB for {out.stat().st_size / 2**20:.1f} MiB of JSON")


if __name__ == "__main__":
    main()
