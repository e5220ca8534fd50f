"""/corrections and /corrections.atom with 100, 1,000 and 10,000 public entries (corrections,
clarifications, withdrawals) among as many notes and three times as many other revisions;
each page's time as a ratio to the same page at 100 entries, measured in the same run on
SQLite with the page cache off so every request renders (the sign-in page's time beside it
shows how noisy the machine was).

    .venv/bin/python bench/corrections.py
"""

import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import event, insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reader import create_app  # noqa: E402
from reader.extensions import db  # noqa: E402
from reader.models import Annotation, AnnotationRevision, Document, DocumentRevision  # noqa: E402
from reader.views.corrections import PAGE_SIZE  # noqa: E402

TEXT = "A title\n\n" + "The minister said the talks were constructive and long. " * 40
SIZES = (100, 1_000, 10_000)
KINDS = ("correction", "clarification", "withdrawal")


def build(n, rng):
    """``n`` notes on 50 documents, each with one public entry and three other revisions."""
    db.session.execute(insert(Document), [
        {"id": i + 1, "slug": f"doc-{i}", "title": f"Document {i}", "text": TEXT}
        for i in range(50)])
    db.session.execute(insert(DocumentRevision), [
        {"document_id": i + 1, "number": 1, "text": TEXT} for i in range(50)])
    fields = {"kind": "factcheck", "body": "Evidence.", "tags": [], "start": 9, "end": 21,
              "exact": TEXT[9:21], "source_id": None, "relation": None}
    db.session.execute(insert(Annotation), [
        {"id": k + 1, "document_id": k % 50 + 1, "start": 9, "end": 21, "exact": TEXT[9:21],
         "kind": "factcheck", "verdict": "false", "body": "Evidence.", "status": "published",
         "tags": []} for k in range(n)])
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rows = []
    for k in range(n):
        for r in range(4):
            public = r == 3
            rows.append({
                "annotation_id": k + 1, "version": r + 1, "action": "edited",
                "changed": ["verdict"], "snapshot": {**fields, "verdict": "false"},
                "created_at": start + timedelta(minutes=4 * k + r),
                "correction": rng.choice(KINDS) if public else None,
                "reason": f"Reason {k}" if public else None,
                "earlier": {**fields, "verdict": "misleading", "source_title": None}
                if public else None})
    db.session.execute(insert(AnnotationRevision), rows)
    db.session.commit()


def timed(client, engine, path, runs=15):
    """Median seconds for GET ``path``, its size and the SQL statements of one request."""
    statements, times = [], []

    def count(*args):
        statements.append(1)
    for i in range(runs):
        if i == runs - 1:
            event.listen(engine, "before_cursor_execute", count)
        began = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - began)
        assert response.status_code == 200, (path, response.status_code)
    event.remove(engine, "before_cursor_execute", count)
    return statistics.median(times), len(response.data), len(statements)


def main():
    rng = random.Random(12)
    first = {}  # page -> seconds at the smallest size: the baseline of its row
    print("| entries | page | time | ratio to the same page at 100 entries | size | "
          "SQL statements | /login (same run) |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for n in SIZES:
        folder = tempfile.mkdtemp()
        app = create_app({"DATABASE_URL": f"sqlite:///{folder}/corrections.sqlite",
                          "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False,
                          "PAGE_CACHE": False})
        with app.app_context():
            db.create_all()
            build(n, rng)
            engine = db.engine
        client = app.test_client()
        login, _, _ = timed(client, engine, "/login")
        last = (n + PAGE_SIZE - 1) // PAGE_SIZE
        for name, path in (("first page", "/corrections"), ("last page", f"/corrections?page={last}"),
                           ("feed", "/corrections.atom")):
            seconds, size, sql = timed(client, engine, path)
            first.setdefault(name, seconds)
            print(f"| {n:,} | {name} ({path}) | {seconds * 1000:.1f} ms | "
                  f"{seconds / first[name]:.2f} | {size / 1024:.0f} KB | {sql} | "
                  f"{login * 1000:.1f} ms |")
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
