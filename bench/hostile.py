"""Time each hostile request next to a normal one of the same kind, in the same run.

Every request goes through the app (the Flask test client, the page cache off, so each
page is built), on a fresh SQLite database, or on PostgreSQL when DATABASE_URL points
at it. Printed per case: the normal request, the hostile one, and their ratio. Cases:

  markdown  a note whose body is 9,990 "[" POSTed through the API, then the document page
            (its first view) and /sources/<id>
  search    /search?q=word over a 4 MB text of one repeated word
  published uploading a text with 120,000 spaces in its "Published by" line
  revision  revising a text of two 46,000-character lines (40 notes on them), then the
            revisions view
  prefix    POSTing an annotation whose selector has a 1 MB prefix
  json      POSTing JSON nested 900 deep

    .venv/bin/python bench/hostile.py [CASE ...]        (default: all of them)
"""

import os
import random
import re
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

from reader import create_app
from reader.config import normalise_database_url
from reader.extensions import db
from reader.services.annotations import create_annotation
from reader.services.documents import create_document
from reader.services.users import add_user, issue_token
from reader.views.parts import note_html

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
PASSWORD = "bench password 1"
BASE = "http://localhost"


def timed(call):
    """Return ``(seconds, result)`` of one call."""
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def report(name, normal, hostile, detail=""):
    ratio = hostile / normal if normal else float("inf")
    print(f"  {name:<44} normal {normal * 1000:9.1f} ms   hostile {hostile * 1000:10.1f} ms"
          f"   {ratio:8.1f}x  {detail}", flush=True)


class Bench:
    """An app on an empty database with an editor signed in (session) and an API token."""

    def __init__(self, folder):
        url = _postgres_schema() if os.environ.get("DATABASE_URL") else \
            f"sqlite:///{folder}/bench.sqlite"
        self.app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "SERVER_NAME":
                               "localhost", "RATELIMIT_ENABLED": False, "PAGE_CACHE": False})
        self.context = self.app.app_context()
        self.context.push()
        db.drop_all()
        db.create_all()
        editor = add_user("bench", PASSWORD, "editor", "Bench Editor")
        self.token = issue_token(editor, "bench")
        db.session.commit()
        self.reader = self.app.test_client()
        self.editor = self.app.test_client()
        self.editor.post("/login", data={"name": "bench", "password": PASSWORD,
                                         "csrf_token": self.csrf("/login")})

    def csrf(self, path, client=None):
        html = (client or getattr(self, "editor", None) or self.app.test_client()).get(path)
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html.get_data(as_text=True)
                         ).group(1)

    def api_post(self, body):
        data = body if isinstance(body, (str, bytes)) else None
        return self.reader.post("/annotations/", data=data, json=None if data else body,
                                headers={"Authorization": f"Bearer {self.token}",
                                         "Content-Type": "application/ld+json"})

    def document(self, text, title):
        document = create_document(text, {"title": title})
        db.session.commit()
        return document


def _note(slug, exact, body="Which talks?", prefix="", **extra):
    return {"type": "Annotation", "bodyValue": body, **extra, "target": {
        "source": f"{BASE}/docs/{slug}", "selector": {
            "type": "TextQuoteSelector", "exact": exact, "prefix": prefix}}}


def _prose(rng, size):
    words = sorted({w for p in SEEDS.glob("*.txt") for w in p.read_text().split()})
    sentences = (" ".join(rng.choice(words) for _ in range(rng.randint(8, 20))) + "."
                 for _ in range(size // 40))
    return " ".join(sentences)[:size]


def case_markdown(bench):
    text = "\n\n".join(_prose(random.Random(1), 2_000) for _ in range(5))
    source = {"type": "ar:Source", "ar:title": "A speech", "ar:speaker": "Someone"}
    results = {}
    for label, body in (("warm-up", "A warm-up."),
                        ("normal", "A *normal* note with [a link](https://example.org)."),
                        ("hostile", "[" * 9_990)):
        document = bench.document(f"Markdown {label}\n\n{text}\n", f"Markdown {label}")
        exact = text[:40]
        t_post, response = timed(lambda: bench.api_post(_note(
            document.slug, exact, body, motivation="describing",
            **{"ar:source": source, "ar:relation": "paraphrase"})))
        assert response.status_code == 201, response.get_json()
        source_id = response.get_json()["ar:source"]["id"].rsplit("/", 1)[1]
        note_html.cache_clear()
        t_page, page = timed(lambda: bench.reader.get(f"/docs/{document.slug}"))
        note_html.cache_clear()
        t_source, _ = timed(lambda: bench.reader.get(f"/sources/{source_id}"))
        assert page.status_code == 200
        results[label] = (t_post, t_page, t_source)
    for k, name in enumerate(("POST the note (API)", "document page, first view",
                              "/sources/<id>")):
        report(name, results["normal"][k], results["hostile"][k])


def case_search(bench):
    for path in sorted(SEEDS.glob("*.txt")):
        bench.document(path.read_text(), path.stem)
    bench.reader.get("/search?q=nato")  # warm: templates compiled, connections open
    t_normal, normal = timed(lambda: bench.reader.get("/search?q=word"))
    bench.document("One word\n\n" + "word " * 800_000 + "\n", "One word")  # 4 MB
    t_hostile, hostile = timed(lambda: bench.reader.get("/search?q=word"))
    report("/search?q=word (4 MB of one word)", t_normal, t_hostile,
           f"response {len(normal.data):,} -> {len(hostile.data):,} bytes")


def case_published(bench):
    def upload(text, title):
        return bench.editor.post("/editor/docs/new", data={
            "csrf_token": bench.csrf("/editor/docs/new"), "title": title, "text": text})
    body = "\n\nThe minister said the talks were constructive.\n"
    upload("A warm-up\n" + body, "Warm-up")
    t_normal, r1 = timed(lambda: upload("A title\nPublished by TASS" + body, "Normal"))
    t_hostile, r2 = timed(lambda: upload(
        "A title\nPublished by X" + " " * 120_000 + "Y" + body, "Hostile"))
    assert r1.status_code == r2.status_code == 302, (r1.status_code, r2.status_code)
    report("upload with a 'Published by' line", t_normal, t_hostile)


def case_revision(bench):
    rng = random.Random(4)
    results = {}
    for label, size in (("warm-up", 800), ("normal", 800), ("hostile", 46_000)):
        old = f"Revision {label}\n\n" + "\n\n".join(_prose(rng, size) for _ in range(2)) + "\n"
        new = list(old)
        for _ in range(40):
            new[rng.randrange(20, len(new) - 10)] = "#"
        new = "".join(new)
        document = bench.document(old, f"Revision {label}")
        for k in range(40):
            start = rng.randrange(20, len(old) - 80)
            words = old[start:start + rng.randint(5, 60)]
            create_annotation(document, {"kind": "note", "body": f"n{k}", "status": "published",
                                         "start": start, "end": start + len(words),
                                         "exact": words})
        db.session.commit()
        page = f"/editor/docs/{document.slug}/text"
        token = bench.csrf(page)
        t_revise, response = timed(lambda: bench.editor.post(page, data={
            "csrf_token": token, "text": new}))
        assert response.status_code == 302, response.status_code
        t_view, _ = timed(lambda: bench.editor.get(
            f"/editor/docs/{document.slug}/revisions?from=1&to=2"))
        results[label] = (t_revise, t_view)
    report("revise two 46,000-character lines", results["normal"][0], results["hostile"][0],
           "(normal: 800-character lines)")
    report("revisions view of them", results["normal"][1], results["hostile"][1])


def case_prefix(bench):
    document = bench.document("Prefix\n\n" + "The talks were constructive, he said. " * 200,
                              "Prefix")
    bench.api_post(_note(document.slug, "talks"))  # warm-up
    t_normal, r1 = timed(lambda: bench.api_post(_note(document.slug, "constructive",
                                                      prefix="The talks were ")))
    t_hostile, r2 = timed(lambda: bench.api_post(_note(document.slug, "constructive",
                                                       prefix="x" * 1_000_000)))
    assert r1.status_code == r2.status_code == 201, (r1.get_json(), r2.get_json())
    report("POST a selector with a 1 MB prefix", t_normal, t_hostile)


def case_json(bench):
    document = bench.document("Json\n\nThe talks were constructive.\n", "Json")
    bench.api_post(_note(document.slug, "talks"))  # warm-up
    t_normal, r1 = timed(lambda: bench.api_post(_note(document.slug, "constructive")))
    deep = ('{"type": "Annotation", "target": "%s/docs/%s", "x": %s}'
            % (BASE, document.slug, "[" * 900 + "]" * 900))
    t_hostile, r2 = timed(lambda: bench.api_post(deep))
    report("POST JSON nested 900 deep", t_normal, t_hostile,
           f"answers {r1.status_code} and {r2.status_code} {r2.content_type}")


def _postgres_schema():
    """A fresh schema of its own in DATABASE_URL's database: other tables stay untouched."""
    url = os.environ["DATABASE_URL"]
    engine = create_engine(normalise_database_url(url), poolclass=NullPool)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS bench_hostile CASCADE"))
        connection.execute(text("CREATE SCHEMA bench_hostile"))
    engine.dispose()
    return make_url(url).update_query_dict(
        {"options": "-csearch_path=bench_hostile"}).render_as_string(hide_password=False)


CASES = {"markdown": case_markdown, "search": case_search, "published": case_published,
         "revision": case_revision, "prefix": case_prefix, "json": case_json}


def main(names):
    print(f"hostile input vs. a normal request of the same kind "
          f"({'PostgreSQL' if os.environ.get('DATABASE_URL') else 'SQLite'})")
    for name in names or CASES:
        with tempfile.TemporaryDirectory() as folder:
            bench = Bench(folder)
            print(f"{name}:", flush=True)
            try:
                CASES[name](bench)
            finally:
                db.session.remove()
                db.drop_all()
                db.engine.dispose()
                bench.context.pop()


if __name__ == "__main__":
    main(sys.argv[1:])
