"""Requests per second under gunicorn, each as a ratio to a ceiling measured in the same run.

Reader page: gunicorn with the project's gunicorn.conf.py (2 workers x 4 threads) serves
the seeded document with the most notes to an anonymous reader; the ceiling is the same
gunicorn, same settings, serving that page's HTML, saved to a file, as a static file.
A third server with the page cache off (READER_PAGE_CACHE=false) shows what rendering
the page on every request costs.
Annotation writes: POST /annotations/ with an editor's token (validated, sanitised,
stored with its revision and search entry, committed), on SQLite and on PostgreSQL
(DATABASE_URL, else the local test database when it answers); the ceiling is the
same server answering GET /healthz (one SELECT 1), so the ratio is what a write costs
beyond serving a request at all.

The load is wrk from Debian's packages: 8 connections (eight readers, or eight editors)
over 2 threads, for DURATION seconds; reader and ceiling runs alternate, ROUNDS each,
and the medians are compared. Run:
    .venv/bin/python bench/throughput.py [DURATION] [ROUNDS]      (default 10 s, 3 rounds)
"""

import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

from reader.config import normalise_database_url

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
GUNICORN = BIN / "gunicorn"
FLASK = [str(BIN / "flask"), "--app", "reader"]
CONNECTIONS, THREADS = 8, 2
POSTGRES = os.environ.get("DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/test"
STATIC_APP = "bench.static_page:app"
WRITE_SCRIPT = """
wrk.method = "POST"
wrk.body = [[{body}]]
wrk.headers["Content-Type"] = "application/ld+json"
wrk.headers["Authorization"] = "Bearer {token}"
"""


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(command, env, root=ROOT):
    subprocess.run(command, cwd=root, env=env, check=True, stdout=subprocess.DEVNULL)


class Gunicorn:
    """gunicorn with gunicorn.conf.py serving ``app`` on a free port, until stopped."""

    def __init__(self, app, env, root=ROOT):
        self.base = f"http://127.0.0.1:{_free_port()}"
        self.process = subprocess.Popen(
            [GUNICORN, "-c", "gunicorn.conf.py", "-b", self.base[7:], app], cwd=root, env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=5).close()
                return
            except urllib.error.HTTPError:
                return  # it answers
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start: {app}")
                time.sleep(0.2)

    def stop(self):
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)


def wrk(url, duration, script=None, warm_up=False):
    """Return (requests per second, non-2xx responses) of one wrk run against ``url``."""
    duration = 1 if warm_up else duration
    command = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{duration}s"]
    if script:
        command += ["-s", script]
    output = subprocess.run(command + [url], check=True, capture_output=True, text=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    failed = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    if errors:
        print(f"    wrk: socket errors {errors.group(1)}")
    return rate, int(failed.group(1)) if failed else 0


def alternate(runs, rounds):
    """Run each (name, callable) in turn, ``rounds`` times; return {name: [rates]}.

    Each is run once first, unmeasured: workers started, connections open, pages kept.
    """
    for name, run in runs:
        run(warm_up=True)
    rates = {name: [] for name, _ in runs}
    for _ in range(rounds):
        for name, run in runs:
            rate, failed = run()
            if failed:
                raise RuntimeError(f"{name}: {failed} responses were not 2xx/3xx")
            rates[name].append(rate)
    return rates


def _prepared_database(url, root=ROOT):
    """Migrate ``url``, load the seeds and an editor; return (env, token, page path, doc).

    ``root`` is the copy of the code whose commands do it (its migrations).
    """
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench",
           "READER_RATELIMIT_ENABLED": "false"}
    _run(FLASK + ["db", "upgrade"], env, root)
    _run(FLASK + ["docs", "import", "seeds/"], env, root)
    _run(FLASK + ["annotations", "import", "seeds/annotations.jsonld"], env, root)
    subprocess.run(FLASK + ["users", "add", "bench", "--password-stdin"], cwd=root, env=env,
                   input="a long bench password\n", text=True, check=True,
                   stdout=subprocess.DEVNULL)
    token = subprocess.run(FLASK + ["users", "token", "bench"], cwd=root, env=env,
                           check=True, capture_output=True, text=True).stdout.strip()
    engine = create_engine(normalise_database_url(url), poolclass=NullPool)
    with engine.connect() as connection:
        slug, doc_text = connection.execute(text(
            "SELECT d.slug, d.text FROM documents d JOIN annotations a ON a.document_id = d.id"
            " GROUP BY d.id, d.slug, d.text ORDER BY count(*) DESC, d.slug LIMIT 1")).one()
    engine.dispose()
    return env, token, f"/docs/{slug}", doc_text


def _write_script(folder, base, path, doc_text, token):
    script = folder / "write.lua"
    script.write_text(WRITE_SCRIPT.format(body=write_body(base, path, doc_text), token=token))
    return str(script)


def write_body(base, path, doc_text):
    """The JSON of the note every write POSTs: four words in the middle of ``doc_text``."""
    middle = len(doc_text) // 2
    found = re.search(r"\w+(?: \w+){3}", doc_text[middle:])  # four words mid-text
    words, start = found.group(0), middle + found.start()
    return json.dumps({
        "type": "Annotation", "bodyValue": "A *benchmark* note with [a link](https://example.org).",
        "target": {"source": base + path, "selector": [
            {"type": "TextQuoteSelector", "exact": words},
            {"type": "TextPositionSelector", "start": start, "end": start + len(words)}]}})


def reader_page(folder, duration, rounds):
    env, _, path, _ = _prepared_database(f"sqlite:///{folder / 'page.sqlite'}")
    servers = []
    try:
        reader = Gunicorn("reader:create_app()", env)
        servers.append(reader)
        uncached = Gunicorn("reader:create_app()", {**env, "READER_PAGE_CACHE": "false"})
        servers.append(uncached)
        with urllib.request.urlopen(reader.base + path) as response:
            page = response.read()
        html = folder / "page.html"
        html.write_bytes(page)
        static = Gunicorn(STATIC_APP, {**env, "BENCH_PAGE": str(html)})
        servers.append(static)
        with urllib.request.urlopen(static.base + "/") as response:
            assert response.read() == page
        with urllib.request.urlopen(uncached.base + path) as response:
            assert len(response.read()) == len(page)  # the same page, but its own request id
        rates = alternate([
            ("static file", lambda **kw: wrk(static.base + "/", duration, **kw)),
            ("reader page", lambda **kw: wrk(reader.base + path, duration, **kw)),
            ("page cache off", lambda **kw: wrk(uncached.base + path, duration, **kw))], rounds)
    finally:
        for server in servers:
            server.stop()
    return path, len(page), rates


def writes(folder, url, duration, rounds):
    env, token, path, doc_text = _prepared_database(url)
    server = Gunicorn("reader:create_app()", env)
    try:
        # the note's target on this server's own host (the API refuses another host's)
        script = _write_script(folder, server.base, path, doc_text, token)
        rates = alternate([
            ("GET /healthz", lambda **kw: wrk(server.base + "/healthz", duration, **kw)),
            ("POST /annotations/",
             lambda **kw: wrk(server.base + "/annotations/", duration, script, **kw))], rounds)
    finally:
        server.stop()
    engine = create_engine(normalise_database_url(url), poolclass=NullPool)
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT count(*) FROM annotations")).scalar()
    engine.dispose()
    return rates, stored


def _postgres_schema():
    """A fresh schema in the PostgreSQL database, or None when none answers."""
    engine = create_engine(normalise_database_url(POSTGRES), poolclass=NullPool)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS bench_writes CASCADE"))
            connection.execute(text("CREATE SCHEMA bench_writes"))
    except Exception as exc:  # no server: say so and go on with SQLite
        print(f"PostgreSQL at {POSTGRES} does not answer ({type(exc).__name__}); skipped")
        return None
    finally:
        engine.dispose()
    return make_url(POSTGRES).update_query_dict(
        {"options": "-csearch_path=bench_writes"}).render_as_string(hide_password=False)


def _drop_postgres_schema():
    engine = create_engine(normalise_database_url(POSTGRES), poolclass=NullPool)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS bench_writes CASCADE"))
    engine.dispose()


def _report(rates, ceiling):
    top = statistics.median(rates[ceiling])
    for name, found in rates.items():
        runs = ", ".join(f"{r:,.0f}" for r in found)
        got = statistics.median(found)
        ratio = "" if name == ceiling else f"  {got / top:.2f} of {ceiling}"
        print(f"  {name:<20} {got:>7,.0f} req/s{ratio}   (runs: {runs})")


def main():
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")
    duration = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    folder = Path(tempfile.mkdtemp(prefix="bench-"))
    print(f"gunicorn.conf.py, wrk -t{THREADS} -c{CONNECTIONS} -d{duration}s, {rounds} rounds "
          f"alternating, medians; {os.cpu_count()} cores")

    path, size, rates = reader_page(folder, duration, rounds)
    print(f"Reader page {path} ({size / 1000:.0f} KB), anonymous:")
    _report(rates, "static file")

    (folder / "writes").mkdir()
    rates, stored = writes(folder / "writes", f"sqlite:///{folder / 'writes' / 'w.sqlite'}",
                           duration, rounds)
    print(f"Annotation writes, SQLite ({stored:,} annotations stored at the end):")
    _report(rates, "GET /healthz")

    url = _postgres_schema()
    if url:
        try:
            rates, stored = writes(folder / "writes", url, duration, rounds)
        finally:
            _drop_postgres_schema()
        print(f"Annotation writes, PostgreSQL ({stored:,} annotations stored at the end):")
        _report(rates, "GET /healthz")
    shutil.rmtree(folder)


if __name__ == "__main__":
    main()
