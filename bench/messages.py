"""What readers' messages cost the reader's document page: the two links to the editors
(once a page, copied into a note when it opens) and the editors' published replies.

One document with N published notes (default 1,000), an anonymous reader, SQLite, page
cache off, through the Flask test client. Baseline in the same run: the page with no
reply. Then every note with one published reply, and with 200,000 unanswered messages in
the table (readers never see them: the page must not slow down). Prints times, HTML
sizes, SQL statements and ratios against the baseline.

    python bench/messages.py [N]
"""

import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import event, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.reader_page import populate  # noqa: E402
from reader import create_app  # noqa: E402
from reader.extensions import db  # noqa: E402
from reader.models import Annotation, Document, ReaderMessage  # noqa: E402


def measure(client, path, repeat=5):
    """Return (median seconds, HTML bytes, SQL statements) of a reader's GET of ``path``."""
    seen = []
    count = lambda *args: seen.append(1)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", count)
    times = []
    try:
        for _ in range(repeat):
            seen.clear()
            start = time.perf_counter()
            response = client.get(path)
            times.append(time.perf_counter() - start)
            assert response.status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return statistics.median(times), len(response.get_data()), len(seen)


def main(n):
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"DATABASE_URL": f"sqlite:///{folder}/bench.sqlite",
                          "SECRET_KEY": "bench", "PAGE_CACHE": False})
        with app.app_context():
            db.create_all()
            slug = populate(n)
            document = db.session.scalars(select(Document).filter_by(slug=slug)).one()
            client = app.test_client()
            client.get(f"/docs/{slug}")  # warm up
            rows = [("no reply (baseline)", measure(client, f"/docs/{slug}"))]
            html = client.get(f"/docs/{slug}").get_data(as_text=True)
            in_notes = html.count("/messages/new?annotation=")  # links written into notes
            once = re.search(r'<template id="note-ask".*?</template>', html, re.S)
            once = len(once.group(0).encode()) if once else 0
            ids = db.session.scalars(select(Annotation.id).filter_by(document_id=document.id))
            now = datetime.now(UTC)
            db.session.execute(ReaderMessage.__table__.insert(), [
                {"kind": "check", "message": "Is this right?", "email": "", "exact": "",
                 "document_id": document.id, "annotation_id": note_id, "status": "accepted",
                 "address_hash": "", "reply": "We checked.", "reply_html": "<p>We checked.</p>",
                 "reply_public": True, "reply_shows_message": False, "replied_at": now}
                for note_id in ids])
            db.session.commit()
            rows.append((f"{n:,} replies, one a note", measure(client, f"/docs/{slug}")))
            db.session.execute(ReaderMessage.__table__.insert(), [
                {"kind": "correction", "message": f"Message {i}", "email": "", "exact": "",
                 "document_id": document.id, "annotation_id": None, "status": "pending",
                 "address_hash": "", "reply": "", "reply_html": "", "reply_public": False,
                 "reply_shows_message": False} for i in range(200_000)])
            db.session.commit()
            rows.append(("and 200,000 unanswered", measure(client, f"/docs/{slug}")))
            db.session.remove()
            db.engine.dispose()
    base = rows[0][1][0]
    print(f"{n:,} published notes; the readers' links: {once} bytes once a page, "
          f"{in_notes} written into the notes")
    print("| page | server | ratio | HTML | SQL statements |")
    print("| --- | --- | --- | --- | --- |")
    for label, (seconds, size, statements) in rows:
        print(f"| {label} | {seconds * 1000:.0f} ms | {seconds / base:.2f} | "
              f"{size / 1e6:.2f} MB | {statements} |")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
