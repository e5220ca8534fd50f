"""Time the share page, the embed and the oEmbed answer against the document page.

One document with 0, 1,000 and 10,000 published notes (bench/reader_page.py's), an
anonymous reader, the page cache off, SQLite. For each size: the median time and the SQL
statements of the document page (the baseline), its embed, a note's share page and the
oEmbed answer for that note; then each one's ratio to the document page in the same run,
and the share page's and oEmbed's ratio from 1,000 to 10,000 notes (1 is flat). Run:
    .venv/bin/python bench/share.py [N ...]        (default 0 1000 10000)
"""

import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import event, select

from reader import create_app
from reader.extensions import db
from reader.models import Annotation, Document

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reader_page import populate  # noqa: E402  (a sibling script, not a package)

REPEAT = 5


def measure(app, client, path):
    """Return (median seconds, statements of one request, bytes) for a GET of ``path``."""
    statements = []

    def count(*args):
        statements.append(1)

    times = []
    for i in range(REPEAT):
        if i == REPEAT - 1:
            event.listen(db.engine, "before_cursor_execute", count)
        start = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, (path, response.status_code)
    event.remove(db.engine, "before_cursor_execute", count)
    return statistics.median(times), len(statements), len(response.get_data())


def main(sizes):
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"DATABASE_URL": f"sqlite:///{folder}/bench.sqlite",
                          "SECRET_KEY": "bench", "PAGE_CACHE": False,
                          "RATELIMIT_ENABLED": False})
        rows = {}
        with app.app_context():
            db.create_all()
            for n in sizes:
                slug = populate(n)
                document_id = db.session.scalars(select(Document.id).filter_by(slug=slug)).one()
                note = db.session.scalars(select(Annotation.id).filter_by(
                    document_id=document_id).order_by(Annotation.id).limit(1)).first()
                client = app.test_client()
                paths = {"document": f"/docs/{slug}", "embed": f"/docs/{slug}/embed"}
                if note:
                    paths["share page"] = f"/a/{note}"
                    paths["oEmbed"] = f"/oembed?url=http://localhost/a/{note}"
                rows[n] = {name: measure(app, client, path) for name, path in paths.items()}
        print("| notes | page | time | SQL statements | HTML | ratio to the document page |")
        print("| --- | --- | --- | --- | --- | --- |")
        for n, found in rows.items():
            base = found["document"][0]
            for name, (seconds, statements, size) in found.items():
                print(f"| {n:,} | {name} | {seconds * 1000:.1f} ms | {statements} | "
                      f"{size / 1024:.1f} KB | {seconds / base:.2f} |")
        big = [n for n in rows if "share page" in rows[n]]
        if len(big) >= 2:
            low, high = big[-2], big[-1]
            for name in ("share page", "oEmbed", "embed", "document"):
                ratio = rows[high][name][0] / rows[low][name][0]
                print(f"t({high:,})/t({low:,}) {name}: {ratio:.2f}")


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [0, 1000, 10000])
