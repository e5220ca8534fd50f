"""Corpus export and import at two sizes: is memory flat, and how far from a plain dump?

For N and 10 x N annotations (each with one revision row), 1,000 to a document, measures the
corpus export and the import into an empty database: time as a ratio to a baseline
measured in the same run (a plain sqlite3 SELECT of the annotation rows written as JSON
lines), and the peak of memory Python allocated (tracemalloc). Flat memory means the peak
barely moves when the corpus grows tenfold. Run:
    .venv/bin/python bench/corpus_interchange.py [N]        (default 10000)
"""

import json
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from reader import create_app
from reader.extensions import db
from reader.models import Annotation, AnnotationRevision
from reader.services.corpus import import_corpus, stream_corpus
from reader.services.documents import create_document

WORD = "statement"


PER_DOCUMENT = 1000  # notes per document: the corpus grows by documents of the same size


def _populate(n):
    """n published notes, 1,000 per document of 1,000 sentences, one revision row each."""
    text = "Benchmark\n\n" + "".join(f"Sentence {i} has a {WORD} in it. "
                                     for i in range(PER_DOCUMENT))
    rows, revisions, pos, document = [], [], 0, None
    for i in range(n):
        if i % PER_DOCUMENT == 0:
            document = create_document(text, {"title": f"Benchmark {i // PER_DOCUMENT}"})
            pos = 0
        pos = text.index(WORD, pos)
        rows.append({"id": i + 1, "document_id": document.id, "start": pos,
                     "end": pos + len(WORD), "exact": WORD,
                     "prefix": text[max(0, pos - 32):pos],
                     "suffix": text[pos + len(WORD):pos + len(WORD) + 32], "kind": "note",
                     "body": f"Note {i}", "tags": ["bench"], "status": "published",
                     "version": 1, "orphan": False, "anchor_state": "unchanged",
                     "creator_name": "Bench"})
        revisions.append({"annotation_id": i + 1, "version": 1, "action": "created",
                          "changed": [], "snapshot": {"body": f"Note {i}"}})
        pos += len(WORD)
    for start in range(0, n, 5000):
        db.session.execute(Annotation.__table__.insert(), rows[start:start + 5000])
        db.session.execute(AnnotationRevision.__table__.insert(), revisions[start:start + 5000])
    db.session.commit()


def _baseline(path, out):
    start = time.perf_counter()
    connection = sqlite3.connect(path)
    with out.open("w", encoding="utf-8") as sink:
        for row in connection.execute("SELECT * FROM annotations ORDER BY id"):
            sink.write(json.dumps(row) + "\n")
    connection.close()
    return time.perf_counter() - start


def _measure(action, undo):
    """Time ``action``; run it again (after ``undo``) under tracemalloc for its peak."""
    start = time.perf_counter()
    action()
    seconds = time.perf_counter() - start
    undo()
    tracemalloc.start()
    action()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, peak


def run(n, folder):
    source = folder / f"source-{n}.sqlite"
    app = create_app({"DATABASE_URL": f"sqlite:///{source}", "SECRET_KEY": "bench"})
    out = folder / f"corpus-{n}.jsonl"
    with app.app_context():
        db.create_all()
        _populate(n)
        baseline = _baseline(source, folder / "baseline.jsonl")

        def export():
            with out.open("w", encoding="utf-8") as handle:
                for line in stream_corpus():
                    handle.write(line)
        exported, export_peak = _measure(export, lambda: None)
        db.engine.dispose()
    target = folder / f"target-{n}.sqlite"
    other = create_app({"DATABASE_URL": f"sqlite:///{target}", "SECRET_KEY": "bench"})
    with other.app_context():
        db.create_all()

        def load():
            with out.open("rb") as handle:
                import_corpus(handle)
            db.session.commit()

        def empty():
            for table in reversed(db.metadata.sorted_tables):
                if table.name != "content_version":
                    db.session.execute(table.delete())
            db.session.commit()
        imported, import_peak = _measure(load, empty)
        db.engine.dispose()
    size = out.stat().st_size
    print(f"{n:>7} notes, corpus file {size / 1e6:.1f} MB: export {exported / baseline:.1f}x "
          f"the plain dump ({exported:.1f} s), peak {export_peak / 1e6:.1f} MB; import "
          f"{imported / baseline:.1f}x ({imported:.1f} s), peak {import_peak / 1e6:.1f} MB")


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    folder = Path(tempfile.mkdtemp())
    for size in (n, 10 * n):
        run(size, folder)


if __name__ == "__main__":
    main()
