"""Two reports side by side, and the document page's other reports, as the corpus grows.

1. /compare on seeds 000 and 001, then on the two texts repeated 10 and 100 times (the
   alignment, the word marks and the page): time per character of text should stay flat.
2. One changed document matched with its candidates (what an import or a revision does)
   on corpora of 100, 300 and 1,000 generated documents, against one pass over the whole
   corpus, measured in the same run.
3. The document page with its "Other reports" on 100, 1,000 and 10,000 documents whose
   matches are stored: time and SQL statements of the page, ratio to 100 documents.

    .venv/bin/python bench/compare.py
"""

import gc
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import event, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.matching import SEEDS, generated  # noqa: E402
from reader import create_app  # noqa: E402
from reader.extensions import db  # noqa: E402
from reader.models import Document, DocumentRevision, PassageMatch  # noqa: E402
from reader.services import related  # noqa: E402
from reader.services.reports import record_matches  # noqa: E402
from reader.text.canonical import canonicalize  # noqa: E402


def _app(name):
    folder = tempfile.mkdtemp()
    return create_app({"DATABASE_URL": f"sqlite:///{folder}/{name}.sqlite", "PAGE_CACHE": False,
                       "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False})


def _median(run, times=5):
    spent = []
    for _ in range(times):
        start = time.perf_counter()
        run()
        spent.append(time.perf_counter() - start)
    return statistics.median(spent)


def _insert_documents(texts):
    db.session.execute(insert(Document), [
        {"id": i + 1, "slug": f"doc-{i}", "title": f"Document {i}", "text": text}
        for i, text in enumerate(texts)])
    db.session.execute(insert(DocumentRevision), [
        {"document_id": i + 1, "number": 1, "text": text} for i, text in enumerate(texts)])
    db.session.commit()


def side_by_side():
    seeds = sorted(SEEDS.glob("*.txt"))
    a, b = (canonicalize(p.read_bytes()) for p in seeds[:2])
    print("## /compare/<a>/<b> (seeds 000 and 001, repeated)")
    print("| texts | characters | page | per 1,000 characters | ratio | page size |")
    print("| --- | --- | --- | --- | --- | --- |")
    base = None
    for times in (1, 10, 100):
        app = _app("compare")
        with app.app_context():
            db.create_all()
            _insert_documents(["\n".join([a] * times), "\n".join([b] * times)])
        client = app.test_client()
        size = len(client.get("/compare/doc-0/doc-1").data)
        spent = _median(lambda: client.get("/compare/doc-0/doc-1"), 3)
        chars = (len(a) + len(b)) * times
        per = spent / chars * 1000
        base = base or per
        print(f"| x{times} | {chars:,} | {spent * 1000:.0f} ms | {per * 1000:.2f} ms | "
              f"{per / base:.2f} | {size / 1024:.0f} KB |")


def one_changed_document(rng, seed_texts):
    print("\n## One changed document matched: candidates against the whole corpus")
    print("| corpus | candidates (50) | whole corpus | ratio |")
    print("| --- | --- | --- | --- |")
    for n in (100, 300, 1_000):
        app = _app(f"match{n}")
        with app.app_context():
            db.create_all()
            _insert_documents([text for _, text in generated(n, rng, seed_texts)])
            document = db.session.get(Document, n // 2)
            near = _median(lambda: record_matches([document]), 3)

            def whole():
                related._CACHE.clear()
                record_matches(None)
            corpus = _median(whole, 1)
            db.session.rollback()
        print(f"| {n:,} | {near * 1000:.0f} ms | {corpus * 1000:.0f} ms | {corpus / near:.1f} |")


def document_page(rng):
    print("\n## The document page with its other reports (stored matches)")
    print("| documents | matches stored | page | ratio to 100 | SQL statements |")
    print("| --- | --- | --- | --- | --- |")
    base = None
    seed = canonicalize(sorted(SEEDS.glob("*.txt"))[0].read_bytes())
    for n in (100, 1_000, 10_000):
        app = _app(f"page{n}")
        with app.app_context():
            db.create_all()
            _insert_documents([seed] + [f"Text {i}.\nA short report number {i}." for i in range(n - 1)])
            rows = []
            for i in range(1, n + 1):  # each document reports statements of five others
                for j in rng.sample(range(1, n + 1), 5):
                    if j != i:
                        rows += [{"document_id": i, "other_id": j, "start": 0, "end": 5,
                                  "other_start": 0, "other_end": 5, "score": 0.8},
                                 {"document_id": j, "other_id": i, "start": 0, "end": 5,
                                  "other_start": 0, "other_end": 5, "score": 0.8}]
            db.session.execute(insert(PassageMatch), rows)
            db.session.commit()
            del rows  # two hundred thousand dicts would slow every garbage collection below
            gc.collect()
            stored = db.session.scalar(select(db.func.count(PassageMatch.id)))
            engine = db.engine
        client = app.test_client()
        statements = []

        def count(*args):
            statements.append(args[2])
        client.get("/docs/doc-0")
        event.listen(engine, "before_cursor_execute", count)
        client.get("/docs/doc-0")
        event.remove(engine, "before_cursor_execute", count)
        spent = _median(lambda: client.get("/docs/doc-0"), 9)
        base = base or spent
        print(f"| {n:,} | {stored:,} | {spent * 1000:.1f} ms | {spent / base:.2f} | "
              f"{len(statements)} |")


def main():
    rng = random.Random(7)
    seed_texts = [canonicalize(p.read_bytes()) for p in sorted(SEEDS.glob("*.txt"))]
    side_by_side()
    one_changed_document(rng, seed_texts)
    document_page(rng)


if __name__ == "__main__":
    main()
