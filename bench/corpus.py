"""Every page at 100, 1,000 and 10,000 documents of 50 notes each: does any grow with the corpus?

What an editor has in hand (300 drafts, 100 notes in review, 100 notes to check) is the
same at every size, and a source is cited by about 50 notes: what grows is the corpus
around them, and no page should grow with it. Each document's first note has a public
entry on /corrections (among four revisions): 100 to 10,000 entries. The middle pages of
/annotations/, of /annotations/?kind=note and of /corrections are the deepest a reader can ask
for; the last two both as the page before links to them and by their number alone (a page
too deep for its number alone is refused, 400 or 404: its time is shown with that status).

For each size a fresh SQLite database is filled in bulk (rows inserted directly, the
database's own triggers keeping the search index and the counts), then each page is
requested through the Flask test client with the page cache off, every size in turn,
and this prints its build time (the fastest of eleven, after one warm-up: the machine is
shared, and the fastest run is the one least disturbed), its size, its SQL statements,
and the time as a ratio to the same page on the smallest corpus of the run. Run:
    .venv/bin/python bench/corpus.py              (100, 1,000 and 10,000 documents)
    .venv/bin/python bench/corpus.py 1000         (100 and 1,000: quicker)
    .venv/bin/python bench/corpus.py 100 10000    (these sizes only)
"""

import random
from contextlib import contextmanager
import re
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qsl

from sqlalchemy import event, select, text
from werkzeug.datastructures import MultiDict

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reader import create_app  # noqa: E402
from reader.catalog import (  # noqa: E402
    INLINE, _count_facets, forget_facet_counts, parse_index_query, settle_facet_counts)
from reader.config import VERDICTS  # noqa: E402
from reader.counts import fill_counts  # noqa: E402
from reader.extensions import db  # noqa: E402
from reader.models import (  # noqa: E402
    Annotation, AnnotationRevision, Document, DocumentRevision, Source)
from reader.search import create_index  # noqa: E402
from reader.services.related import corpus_matches  # noqa: E402
from reader.services.users import add_user  # noqa: E402
from reader.views.corrections import PAGE_SIZE as ENTRIES_A_PAGE  # noqa: E402

PASSWORD = "correct horse battery"
NOTES = 50  # per document
SENTENCES = 24  # per document, from a shared pool: reports of one statement share sentences
OUTLETS = [f"Outlet {i}" for i in range(24)]
RUNS = 11  # per page and size; the fastest counts
DRAFTS, IN_REVIEW, TO_CHECK = 300, 100, 100  # notes, among all, at every size
CORRECTED = 1  # public entries on /corrections per document, each among four revisions
ENTRY_KINDS = ("correction", "clarification", "withdrawal")
WORDS = ("minister said talks sanctions border trade summit treaty energy gas grain ports "
         "security council envoy ceasefire election parliament budget forecast market "
         "pipeline delegation embassy statement interview transcript agency report").split()
SEARCHED = "pipeline"
FILTERED = "/?sort=annotated&kind=factcheck"  # the index with a filter, its counts forgotten
FILTERED_CONTAINER = "/annotations/?kind=note"  # no kept positions: its links seek from an id
# what a page may answer besides 200: a page too deep for its number alone (400 from the
# W3C container, 404 from /corrections), answered without reading the rows before it
REFUSED = (400, 404)


def _sentence(rng):
    words = [rng.choice(WORDS) if rng.random() < .3 else f"w{rng.randrange(20_000)}"
             for _ in range(rng.randrange(10, 22))]
    return " ".join(words).capitalize() + "."


@contextmanager
def _triggers_after(connection, tables=("documents", "annotations")):
    """Drop the triggers on ``tables`` for a bulk load, then restore them and what they keep:
    the search index and the counts, each rebuilt in one pass (the same end state as
    row-by-row triggers, several times faster)."""
    saved = connection.execute(text(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN "
        f"({', '.join(repr(t) for t in tables)})")).all()
    for name, _ in saved:
        connection.execute(text(f"DROP TRIGGER {name}"))
    yield
    create_index(connection)  # drops, re-creates and fills the search tables
    for name, sql in saved:
        connection.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
        connection.execute(text(sql))
    fill_counts(connection)


def build(n, rng):
    """Fill the database with ``n`` documents of NOTES notes each; return a document's slug."""
    eddie = add_user("eddie", PASSWORD, "editor", "Eddie Editor")
    frank = add_user("frank", PASSWORD, "editor", "Frank Factchecker")
    sources = n // 5  # one speech reported in about 50 notes, at every size
    db.session.connection().execute(Source.__table__.insert(), [
        {"id": i + 1, "title": f"Speech {i}", "speaker": f"Speaker {i % 40}", "version": 1}
        for i in range(sources)])
    pool = [_sentence(rng) for _ in range(max(200, n // 2))]
    # the editors' own work is the same at every size: the pages must not grow with the corpus
    picked = rng.sample(range(n * NOTES), DRAFTS + IN_REVIEW + TO_CHECK)
    unpublished = {number: "draft" for number in picked[:DRAFTS]}
    unpublished.update({number: "review" for number in picked[DRAFTS:DRAFTS + IN_REVIEW]})
    to_check = set(picked[DRAFTS + IN_REVIEW:])
    notes_made = []
    connection = db.session.connection()
    with _triggers_after(connection):
        docs, rows, revisions = [], [], []
        day = date(2020, 1, 1)
        for d in range(1, n + 1):
            title = f"Report {d}: " + " ".join(rng.sample(WORDS, 3))
            body = title + "\n\n" + "\n\n".join(
                " ".join(rng.choice(pool) for _ in range(3)) for _ in range(SENTENCES // 3))
            docs.append({"id": d, "slug": f"report-{d}", "title": title, "text": body,
                         "outlet": OUTLETS[d % len(OUTLETS)], "author": f"Author {d % 500}",
                         "published_on": day + timedelta(days=d % 2000), "revision": 1})
            starts = sorted(rng.sample(range(len(title) + 2, len(body) - 12), NOTES))
            for i, start in enumerate(starts):
                kind = ("note", "note", "note", "context", "factcheck")[i % 5]
                number = len(notes_made)
                notes_made.append(1)
                status = unpublished.get(number, "published")
                rows.append({
                    "id": number + 1, "document_id": d, "start": start, "end": start + 10,
                    "exact": body[start:start + 10], "prefix": body[max(0, start - 32):start],
                    "suffix": body[start + 10:start + 42], "kind": kind,
                    "body": f"Note {i} on {SEARCHED if i == 7 else 'the words'}.",
                    "body_html": f"<p>Note {i} on the words.</p>", "tags": ["bench"],
                    "status": status, "version": 1, "orphan": False, "anchor_state": "unchanged",
                    "creator_id": eddie.id if i % 2 else frank.id,
                    "creator_name": "Eddie Editor" if i % 2 else "Frank Factchecker",
                    "source_id": rng.randrange(1, sources + 1) if kind == "context" else None,
                    "relation": "verbatim" if kind == "context" else None,
                    "verdict": rng.choice(VERDICTS) if kind == "factcheck" else None,
                    "needs_check": number in to_check})
                if i < CORRECTED:
                    revisions.extend(_corrected(rows[-1], rng))
            if len(docs) >= 1000:
                _flush(docs, rows, revisions)
        _flush(docs, rows, revisions)
    db.session.commit()
    return f"report-{n // 2}"


def _corrected(note, rng):
    """Four revisions of ``note``, the last a public entry of /corrections (a correction,
    clarification or withdrawal), dated by the note's id so entries interleave with time."""
    fields = {name: note[name] for name in ("kind", "body", "tags", "start", "end", "exact",
                                            "source_id", "relation", "verdict")}
    moment = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=note["id"])
    return [{"annotation_id": note["id"], "version": r + 1, "action": "edited",
             "changed": ["body"], "snapshot": fields, "created_at": moment + timedelta(seconds=r),
             "correction": rng.choice(ENTRY_KINDS) if r == 3 else None,
             "reason": f"Reason {note['id']}" if r == 3 else None,
             "earlier": {**fields, "body": "Earlier.", "source_title": None} if r == 3 else None}
            for r in range(4)]


def _flush(docs, rows, revisions):
    connection = db.session.connection()  # plain executemany, no ORM on the way
    if docs:
        connection.execute(Document.__table__.insert(), docs)
        connection.execute(DocumentRevision.__table__.insert(), [
            {"document_id": d["id"], "number": 1, "text": d["text"]} for d in docs])
    if rows:
        connection.execute(Annotation.__table__.insert(), rows)
    if revisions:
        connection.execute(AnnotationRevision.__table__.insert(), revisions)
    docs.clear()
    rows.clear()
    revisions.clear()


def measure(client, engine, label, path, before=None):
    """Seconds for one GET of ``path``, its size in bytes, its SQL statements and its status."""
    statements = []
    thread = threading.get_ident()

    def count(*args):
        if threading.get_ident() == thread:  # the request's, not the counting thread's
            statements.append(1)
    if before:
        before()
    event.listen(engine, "before_cursor_execute", count)
    start = time.perf_counter()
    response = client.get(path)
    elapsed = time.perf_counter() - start
    event.remove(engine, "before_cursor_execute", count)
    settle_facet_counts()  # what a request left to count after it: not during the next one
    assert response.status_code == 200 or ("alone" in label and response.status_code in REFUSED), \
        (path, response.status_code)
    return elapsed, len(response.get_data()), len(statements), response.status_code


def counting(app):
    """Seconds to count the documents beside FILTERED's filters: in its request up to
    INLINE documents, else in a thread of the process after it (the fastest of RUNS)."""
    query = parse_index_query(MultiDict(parse_qsl(FILTERED.split("?", 1)[1])))
    best = None
    with app.app_context():
        for _ in range(RUNS):
            start = time.perf_counter()
            _count_facets(query)
            elapsed = time.perf_counter() - start
            best = elapsed if best is None else min(best, elapsed)
        db.session.remove()
    return best


def pages(slug, source_id, last_page, middle_page, links):
    """(label, path, signed in, prepare) for every page measured."""
    return [
        ("/", "/", False, None),
        ("/ (filter counts not kept)", FILTERED, False,
         forget_facet_counts),
        ("/?page=6", "/?page=6", False, None),
        ("/stats", "/stats", False, None),
        (f"/search?q={SEARCHED}", f"/search?q={SEARCHED}", False, None),
        ("a document", f"/docs/{slug}", False, None),
        ("/annotations/", "/annotations/", False, None),
        ("/annotations/ last page", last_page, False, None),
        ("/annotations/ middle page", middle_page, False, None),
        (FILTERED_CONTAINER, FILTERED_CONTAINER, False, None),
        (f"{FILTERED_CONTAINER} middle page, by its link", links["filtered"], False, None),
        (f"{FILTERED_CONTAINER} middle page, by number alone", links["filtered"].split("&after")[0],
         False, None),
        ("/corrections", "/corrections", False, None),
        ("/corrections middle page", links["middle"], False, None),
        ("/corrections last page", links["last"], False, None),
        ("/corrections middle page, by number alone", links["middle"].split("&")[0], False, None),
        ("/corrections last page, by number alone", links["last"].split("&")[0], False, None),
        ("a source", f"/sources/{source_id}", False, None),
        ("/editor (the desk)", "/editor", True, None),
        ("/editor/desk/my-drafts", "/editor/desk/my-drafts", True, None),
        ("/editor/desk/awaiting-my-review", "/editor/desk/awaiting-my-review", True, None),
        ("/editor/desk/to-check-after-a-text-revision",
         "/editor/desk/to-check-after-a-text-revision", True, None),
        ("/editor/desk/recent-activity", "/editor/desk/recent-activity", True, None),
        ("/editor/sources/", "/editor/sources/", True, None),
        ("/editor/deleted", "/editor/deleted", True, None),
        ("a document, signed in", f"/docs/{slug}", True, None),
    ]


def _corrections_link(number):
    """The address of /corrections' page ``number`` as its pager links to it: seeking from
    the last entry of the page before."""
    before = db.session.scalar(text(
        "SELECT id FROM annotation_revisions WHERE correction IS NOT NULL"
        " ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET :n"),
        {"n": (number - 1) * ENTRIES_A_PAGE - 1})
    return f"/corrections?page={number}&before={before}"


def _container_link(query, number, size):
    """The address of the filtered container's page ``number`` as the page before links to
    it: after that page's last annotation."""
    after = db.session.scalar(
        select(Annotation.id).where(Annotation.status == "published",
                                    Annotation.deleted_at.is_(None), *query)
        .order_by(Annotation.id).limit(1).offset(number * size - 1))
    return f"{FILTERED_CONTAINER}&page={number}&after={after}"


def _pages(items, size):
    return max(1, -(-items // size))


def prepare(n, folder):
    """Build ``n`` documents; return what the measurements need (clients, engine, pages)."""
    rng = random.Random(15)
    app = create_app({"DATABASE_URL": f"sqlite:///{folder}/corpus-{n}.sqlite",
                      "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False, "PAGE_CACHE": False})
    with app.app_context():
        db.create_all()
        start = time.perf_counter()
        slug = build(n, rng)
        built = time.perf_counter() - start
        start = time.perf_counter()
        corpus_matches()  # once per state of the texts, kept per process (services/related.py)
        matched = time.perf_counter() - start
        engine = db.engine
        source_id = db.session.scalar(select(Annotation.source_id).where(
            Annotation.document_id == int(slug.split("-")[1]), Annotation.source_id.is_not(None),
            Annotation.status == "published").limit(1))
        notes = db.session.scalar(select(db.func.count(Annotation.id)))
        links = {name: _corrections_link(number) for name, number in (
            ("middle", _pages(n * CORRECTED, ENTRIES_A_PAGE) // 2),
            ("last", _pages(n * CORRECTED, ENTRIES_A_PAGE)))}
        kind = (Annotation.kind == FILTERED_CONTAINER.rsplit("=", 1)[1],)
        size = app.config["PAGE_SIZE"]
        listed = db.session.scalar(select(db.func.count(Annotation.id)).where(
            Annotation.status == "published", Annotation.deleted_at.is_(None), *kind))
        # the deepest page read from the start: the one just before the middle
        links["filtered"] = _container_link(kind, _pages(listed, size) // 2 - 1, size)
    print(f"{n:,} documents, {notes:,} notes: built in {built:.1f} s (the corpus's passages"
          f" matched once more in {matched:.1f} s)", flush=True)
    reader = app.test_client()
    container = reader.get("/annotations/").get_json()
    last_page = container["last"]
    last_page = last_page if isinstance(last_page, str) else last_page["id"]
    last_page = last_page[last_page.index("/annotations/"):]
    # the deepest page read from the start: the one just before the middle
    middle = _pages(container["total"], app.config["PAGE_SIZE"]) // 2 - 1
    middle_page = f"/annotations/?page={middle}"
    editor = app.test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                      editor.get("/login").get_data(as_text=True)).group(1)
    editor.post("/login", data={"name": "eddie", "password": PASSWORD, "csrf_token": token})
    return {"reader": reader, "editor": editor, "engine": engine, "app": app,
            "pages": pages(slug, source_id, last_page, middle_page, links)}


def main():
    sizes = [100, 1_000, 10_000]
    if len(sys.argv) > 2:  # the sizes themselves
        sizes = sorted(int(arg) for arg in sys.argv[1:])
    elif len(sys.argv) > 1:
        top = int(sys.argv[1])
        sizes = [s for s in sizes if s < top] + [top]
    with tempfile.TemporaryDirectory() as folder:
        corpora = {n: prepare(n, folder) for n in sizes}
        results = {}
        # every page at every size in turn, RUNS rounds: a page's runs are spread over the
        # whole run, so a slower minute on the shared machine touches every page and size
        for run in range(RUNS + 1):
            for number, (label, *_rest) in enumerate(corpora[sizes[0]]["pages"]):
                for n in sizes:
                    corpus = corpora[n]
                    _, path, signed_in, before = corpus["pages"][number]
                    client = corpus["editor" if signed_in else "reader"]
                    seconds, size, sql, status = measure(client, corpus["engine"], label,
                                                         path, before)
                    if run:  # the first is a warm-up
                        kept = results.get((label, n))
                        results[label, n] = (min(seconds, kept[0]) if kept else seconds, size,
                                             sql, status)
                if before is forget_facet_counts:  # every size's other counts kept again
                    for corpus in corpora.values():
                        corpus["reader"].get("/")
                        settle_facet_counts()
    base, top = sizes[0], sizes[-1]
    print()
    print("| page | " + " | ".join(f"{n:,} docs" for n in sizes)
          + f" | ratio {top:,} / {base:,} | size at {top:,} | SQL statements |")
    print("| --- |" + " --- |" * (len(sizes) + 3))
    for label, *_rest in corpora[base]["pages"]:
        # a refused page (too deep for its number alone) shows its status
        cells = [f"{results[label, n][0] * 1000:.1f} ms"
                 + (f" ({results[label, n][3]})" if results[label, n][3] != 200 else "")
                 for n in sizes]
        seconds, size, *_ = results[label, top]
        statements = " / ".join(str(results[label, n][2]) for n in sizes)
        print(f"| {label} | " + " | ".join(cells)
              + f" | {seconds / results[label, base][0]:.2f} | {size / 1024:.0f} KB"
              f" | {statements} |")
    counted = {n: counting(corpora[n]["app"]) for n in sizes}
    print(f"\nCounting the documents beside the filters of {FILTERED} (in the request up to"
          f" {INLINE:,} documents, after it beyond): "
          + ", ".join(f"{counted[n] * 1000:.1f} ms at {n:,}" for n in sizes))


if __name__ == "__main__":
    main()
