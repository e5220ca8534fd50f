"""The editors' desk on a large corpus: /editor for an editor with 1,000 drafts, 100 open
assignments and 2,000 notes to check, among 300 documents and 20,000 notes with 50,000
revisions; compared with the editor's account page (a small page with the same navigation
bar), measured in the same run on SQLite. Then the "not linked yet" section right after a
write, with 10 and with 10,000 of the notes citing a source.

    .venv/bin/python bench/desk.py
"""

import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import event, insert, select, update

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.matching import SEEDS, generated  # noqa: E402
from reader import create_app  # noqa: E402
from reader.extensions import db  # noqa: E402
from reader.models import (  # noqa: E402
    Annotation, AnnotationRevision, Assignment, Document, DocumentRevision,
)
from reader.services import desk, related  # noqa: E402
from reader.services.annotations import create_annotation  # noqa: E402
from reader.services.sources import create_source  # noqa: E402
from reader.services.users import add_user  # noqa: E402
from reader.text.canonical import canonicalize  # noqa: E402

PASSWORD = "correct horse battery"


def build(rng):
    """Fill the database; return nothing (the app context holds it)."""
    seed_texts = [canonicalize(p.read_bytes()) for p in sorted(SEEDS.glob("*.txt"))]
    eddie = add_user("eddie", PASSWORD, "editor", "Eddie Editor")
    frank = add_user("frank", PASSWORD, "editor", "Frank Factchecker")
    docs = generated(300, rng, seed_texts)
    db.session.execute(insert(Document), [
        {"id": i + 1, "slug": f"doc-{i}", "title": f"Document {i}", "text": text}
        for i, text in docs])
    db.session.execute(insert(DocumentRevision), [
        {"document_id": i + 1, "number": 1, "text": text} for i, text in docs])
    rows = []
    for n in range(20_000):
        doc_id, text = rng.choice(docs)
        start = rng.randrange(len(text) - 40)
        mine = n < 1_000
        rows.append({"id": n + 1, "document_id": doc_id + 1, "start": start, "end": start + 30,
                     "exact": text[start:start + 30], "kind": rng.choice(["note", "factcheck"]),
                     "verdict": "accurate", "body": f"Note {n}",
                     "status": "draft" if mine else "published",
                     "creator_id": eddie.id if mine else frank.id, "tags": [],
                     "needs_check": 1_000 <= n < 3_000})
    db.session.execute(insert(Annotation), rows)
    db.session.execute(insert(AnnotationRevision), [
        {"annotation_id": rng.randrange(1, 20_001), "version": 1, "action": "edited",
         "changed": ["body"], "snapshot": {}, "user_id": frank.id} for _ in range(50_000)])
    db.session.execute(insert(Assignment), [
        {"annotation_id": 5_000 + n, "assignee_id": eddie.id, "assigned_by_id": frank.id,
         "message": f"Please review {n}"} for n in range(100)])
    db.session.commit()


def timed(client, engine, path, runs=7):
    """Median seconds for GET ``path`` and the SQL statements of one request."""
    statements = []

    def count(*args):
        statements.append(1)
    times = []
    for i in range(runs):
        if i == runs - 1:
            event.listen(engine, "before_cursor_execute", count)
        start = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, (path, response.status_code)
    event.remove(engine, "before_cursor_execute", count)
    return statistics.median(times), len(statements)


def main():
    rng = random.Random(11)
    folder = tempfile.mkdtemp()
    app = create_app({"DATABASE_URL": f"sqlite:///{folder}/desk.sqlite", "SECRET_KEY": "bench",
                      "RATELIMIT_ENABLED": False})
    with app.app_context():  # each request below gets its own, as in production
        db.create_all()
        start = time.perf_counter()
        build(rng)
        print(f"built in {time.perf_counter() - start:.1f} s: "
              f"{db.session.scalar(select(db.func.count(Document.id)))} documents, 20,000 notes")
        engine = db.engine
    client = app.test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                      client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"name": "eddie", "password": PASSWORD, "csrf_token": token})
    start = time.perf_counter()
    client.get("/editor")
    first = time.perf_counter() - start
    start = time.perf_counter()
    desk.matching_thread.join()
    print(f"first /editor: {first:.2f} s, while the corpus is matched in the background "
          f"({time.perf_counter() - start + first:.1f} s)")
    start = time.perf_counter()
    client.get("/editor")
    print(f"next /editor, finding which of the passages are linked: "
          f"{time.perf_counter() - start:.2f} s")
    base, base_sql = timed(client, engine, "/account")
    print("| page | time | ratio to /account | SQL statements |")
    print("| --- | --- | --- | --- |")
    print(f"| /account (baseline) | {base * 1000:.1f} ms | 1.0 | {base_sql} |")
    for path in ("/editor", "/editor/desk/my-drafts?page=40",
                 "/editor/desk/to-check-after-a-text-revision?page=80",
                 "/editor/desk/recent-activity?page=20"):
        seconds, sql = timed(client, engine, path)
        print(f"| {path} | {seconds * 1000:.1f} ms | {seconds / base:.1f} | {sql} |")
    after_a_write(app, client, engine, base)


def after_a_write(app, client, engine, base, runs=7):
    """The "not linked yet" section just after a note is written, with 10 and 10,000 notes
    citing a source: each run writes a note citing it, then times the section's page."""
    path = "/editor/desk/passages-reported-elsewhere-not-linked-yet"
    with app.app_context():
        source_id = create_source({"title": "A speech"}).id
        db.session.commit()
    print("\n| notes citing a source | section page after a write | ratio to /account |"
          " SQL statements |")
    print("| --- | --- | --- | --- |")
    for citing in (10, 10_000):
        with app.app_context():  # the notes from 5,001 on cite the source
            db.session.execute(update(Annotation).where(Annotation.id.between(5_001, 5_000 + citing))
                               .values(source_id=source_id))
            db.session.commit()
            related._LINKS.clear()  # as after a restart: the next look reads them all
        client.get(path)
        times, statements = [], []
        for i in range(runs):
            with app.app_context():
                document = db.session.get(Document, 1 + i)
                create_annotation(document, {"kind": "context", "start": 0, "end": 20,
                                             "exact": document.text[:20], "source_id": source_id,
                                             "relation": "translation", "status": "draft"})
                db.session.commit()
            seconds, sql = timed(client, engine, path, runs=1)
            times.append(seconds)
            statements.append(sql)
        seconds = statistics.median(times)
        print(f"| {citing:,} | {seconds * 1000:.1f} ms | {seconds / base:.1f} | "
              f"{statistics.median(statements)} |")


if __name__ == "__main__":
    main()
