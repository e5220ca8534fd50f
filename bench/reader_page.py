"""Time the reader's document page with 0, 1,000 and 10,000 published annotations.

Every note has a short Markdown body with a link, stored rendered as a save renders it.

Server: the time to build the page through the test client for an anonymous reader,
cold (the first request) and warm (the median of the next ones), both with the page cache
off, t(10k)/t(1k) for both (linear growth is about 10), the page's size and the bytes each
note adds, and its size gzipped (as a proxy in front sends it, level 6); then, with the page cache on as in production, a kept page (the median of 20)
and a 304 answer to a revalidation.
Browser (Playwright driving Debian's Chromium, when it is there): first contentful
paint, the moment reader.js has laid the notes out and listens for clicks
("reader-ready"), and how long a click on a highlight takes to show its note
(until the next frame after it: the median of five clicks on highlights around the middle
of the text, on each of three loads; each highlight scrolled to the middle of the screen
0.2 s and two frames before its click, as a reader sees words before clicking them, so
the frames of the scroll itself are not counted as the click's), and the same against the page with no notes
measured in the same run (there clicks on words of the text). Run:
    .venv/bin/python bench/reader_page.py [N ...]        (default 0 1000 10000)
"""

import gzip
import logging
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from werkzeug.serving import make_server

from reader import create_app
from reader.extensions import db
from reader.models import Annotation
from reader.sanitize import render_markdown
from reader.services.documents import create_document

KINDS = ("note", "context", "factcheck")
VERDICTS = ("accurate", "misleading", "false")
CHROMIUM = "/usr/bin/chromium"
BODY = "Note {i} of {n}: the *statement* is [checked](https://example.org/{i})."
PLACEHOLDER = 987654321  # rendered once, then the number put in: the same HTML a save stores
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


def populate(n):
    """One document of max(n, 50) sentences and n published annotations, some overlapping."""
    sentences = max(n, 50)
    text = f"Benchmark with {n} notes\n\n" + "".join(
        f"Sentence {i} says a statement about the talks.{chr(10) if i % 8 == 7 else ' '}"
        for i in range(sentences))
    document = create_document(text, {"title": f"Benchmark {n}"})
    db.session.commit()
    rows, pos = [], 0
    rendered = render_markdown(BODY.format(i=PLACEHOLDER, n=n))
    assert rendered.replace(str(PLACEHOLDER), "1") == render_markdown(BODY.format(i=1, n=n))
    for i in range(n):
        pos = text.index("statement", pos)
        end = pos + len("statement about the talks") if i % 5 == 0 else pos + len("statement")
        kind = KINDS[i % 3]
        rows.append({"document_id": document.id, "start": pos, "end": end,
                     "exact": text[pos:end], "prefix": text[max(0, pos - 32):pos],
                     "suffix": text[end:end + 32], "kind": kind,
                     "body": BODY.format(i=i, n=n),
                     "body_html": rendered.replace(str(PLACEHOLDER), str(i)),
                     "tags": ["bench", f"t{i % 7}"], "status": "published", "version": 1,
                     "orphan": False, "anchor_state": "unchanged", "creator_name": "Bench",
                     "verdict": VERDICTS[i % 3] if kind == "factcheck" else None})
        pos += 1
    if rows:
        db.session.execute(Annotation.__table__.insert(), rows)
        db.session.commit()
    return document.slug


def server_time(client, path, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200
    return statistics.median(times), response.get_data()


def _median(values):
    """The median of the values measured (a headless paint entry is sometimes missing)."""
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _wait_until_ready(page, timeout=120):
    """Poll from here: the page's CSP refuses wait_for_function's evaluated code."""
    deadline = time.monotonic() + timeout
    while not page.evaluate("performance.getEntriesByName('reader-ready').length > 0"):
        if time.monotonic() > deadline:
            raise TimeoutError("reader.js never got ready")
        time.sleep(0.02)


def browser_times(url, slugs):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("browser: Playwright is not installed; skipped")
        return {}
    if not Path(CHROMIUM).exists():
        print(f"browser: no Chromium at {CHROMIUM}; skipped")
        return {}
    found = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for n, slug in slugs.items():
            runs = []
            for _ in range(3):
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.goto(f"{url}/docs/{slug}", wait_until="load", timeout=120_000)
                _wait_until_ready(page)
                times = page.evaluate("""async () => {
                    const paint = performance.getEntriesByName('first-contentful-paint')[0];
                    const ready = performance.getEntriesByName('reader-ready')[0];
                    const marks = document.querySelectorAll('[data-doc-text] mark');
                    // highlights around the middle of the text; with none, words there
                    const words = [...document.querySelectorAll('[data-doc-text] p')];
                    const clicks = [];
                    let shown = true;
                    for (const at of [0.5, 0.4, 0.6, 0.3, 0.7]) {
                      const target = marks.length ? marks[Math.floor(marks.length * at)]
                        : words[Math.floor(words.length * at)];
                      target.scrollIntoView({block: 'center'});
                      // a reader sees the words before clicking them: the frames the scroll
                      // brings (a group of notes drawn as it nears the screen) are past
                      await new Promise((r) => setTimeout(r, 200));
                      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
                      const t0 = performance.now();
                      target.click();
                      // the frame that shows the answer, and its paint
                      await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
                      clicks.push(performance.now() - t0);
                      const id = marks.length ? target.dataset.annotations.split(' ')[0] : null;
                      const note = id && document.getElementById('a-' + id);
                      const box = note && note.getBoundingClientRect();
                      shown &&= !id || (note.classList.contains('is-active') && note.checkVisibility()
                        && box.bottom > 0 && box.top < innerHeight);
                    }
                    return {paint: paint ? paint.startTime : null, ready: ready.startTime,
                            clicks, shown};
                }""")
                assert times.pop("shown"), f"a click did not show its note ({n} notes)"
                runs.append(times)
                page.close()
            found[n] = {"paint": _median([r["paint"] for r in runs]),
                        "ready": _median([r["ready"] for r in runs]),
                        "click": _median([c for r in runs for c in r["clicks"]])}
        browser.close()
    return found


def main():
    sizes = [int(a) for a in sys.argv[1:]] or [0, 1_000, 10_000]
    folder = Path(tempfile.mkdtemp())
    settings = {"DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite'}",
                "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False}
    app = create_app({**settings, "PAGE_CACHE": False})
    cached = create_app(settings)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with app.app_context():
        db.create_all()
        slugs = {n: populate(n) for n in sizes}
    client, cached_client = app.test_client(), cached.test_client()
    server = {}
    client.get("/")  # templates compiled, connections open
    print("annotations     cold      warm   page size   bytes/note    gzipped     kept   304 answer")
    sizes = {}
    for n, slug in slugs.items():
        path = f"/docs/{slug}"
        cold, _ = server_time(client, path, repeat=1)
        warm, page = server_time(client, path, repeat=5 if n <= 1_000 else 3)
        size, wire = len(page), len(gzip.compress(page, 6))
        etag = cached_client.get(path).headers["ETag"]
        kept, _ = server_time(cached_client, path, repeat=20)
        start = time.perf_counter()
        assert cached_client.get(path, headers={"If-None-Match": etag}).status_code == 304
        not_modified = time.perf_counter() - start
        server[n], sizes[n] = (cold, warm), size
        per_note = f"{(size - sizes[0]) / n:,.0f}" if n and 0 in sizes else "-"
        print(f"{n:>11,}  {cold * 1000:>7.0f} ms {warm * 1000:>6.0f} ms  {size / 1e6:>6.2f} MB"
              f"  {per_note:>11}  {wire / 1e6:>6.2f} MB  {kept * 1000:>5.1f} ms"
              f"  {not_modified * 1000:>7.1f} ms")
    if 1_000 in server and 10_000 in server:
        print("t(10k)/t(1k): cold {:.1f}, warm {:.1f}".format(
            *(server[10_000][i] / server[1_000][i] for i in (0, 1))))

    http = make_server("127.0.0.1", 0, cached, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        found = browser_times(f"http://127.0.0.1:{http.server_port}", slugs)
    finally:
        http.shutdown()
    if found:
        base = found.get(0)
        print("annotations  first paint  reader ready (× none)  click -> answer shown (× none)")
        for n, t in found.items():
            paint = f"{t['paint']:.0f} ms" if t["paint"] is not None else "-"
            ready = f"{t['ready']:.0f} ms" + (f" ({t['ready'] / base['ready']:.1f}×)" if base else "")
            click = f"{t['click']:.0f} ms" + (f" ({t['click'] / base['click']:.1f}×)" if base else "")
            print(f"{n:>11,}  {paint:>11}  {ready:>21}  {click:>30}")


if __name__ == "__main__":
    main()
