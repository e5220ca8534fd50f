"""Annotation writes per second on PostgreSQL as a ratio to SQLite, measured in one run.

The same workload on each database: POST /annotations/ with an editor's token (a
published note on the seeded document with the most notes: validated, sanitised, stored
with its revision, committed), through gunicorn with the project's gunicorn.conf.py
(2 workers x 4 threads), loaded by wrk with 8 connections (eight editors at once). One
server per database, both started before the first run; SQLite and PostgreSQL runs
alternate, ROUNDS each, and the medians are compared. PostgreSQL is DATABASE_URL, else
the local test database (a schema of its own, dropped at the end).

It also counts, for one write through the app, the SQL statements sent and the round
trips to the database: the statements, COMMIT and ROLLBACK, a liveness ping at check-out
if the pool sends one (``pool_pre_ping``; the app pings only a connection that sat idle,
database.ping_when_idle), and on PostgreSQL the BEGIN that psycopg sends on its own.

    .venv/bin/python bench/writes.py [--spread] [DURATION] [ROUNDS] [OLDER_COPY]   (default 10 s, 5 rounds)

``--spread``: each wrk thread posts to the seeded documents in turn, not all to one, so
writers at once mostly write different documents' count rows.

OLDER_COPY is a folder with an older version of the code (``git archive COMMIT | tar -x
-C FOLDER``): its servers run alongside, on databases of their own, for before and after
figures from one run.
"""

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from sqlalchemy import create_engine, event, make_url, text
from sqlalchemy.pool import NullPool

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.throughput import (  # noqa: E402
    CONNECTIONS, POSTGRES, ROOT, THREADS, Gunicorn, _prepared_database, _write_script, wrk,
    write_body,
)
from reader.config import normalise_database_url  # noqa: E402
from reader import create_app  # noqa: E402
from reader.extensions import db  # noqa: E402


def count_round_trips(url, token, body):
    """Return (statements, round trips) of the second of two writes through the app here."""
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False})
    counts = {"statements": 0, "trips": 0}

    def statement(*args):
        counts["statements"] += 1
        counts["trips"] += 1

    def trip(*args):
        counts["trips"] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", statement)
    for name in ("commit", "rollback"):
        event.listen(engine, name, trip)
    if engine.pool._pre_ping:
        event.listen(engine, "engine_connect", trip)  # a ping at every check-out
    if engine.dialect.name == "postgresql":  # psycopg sends BEGIN on its own
        event.listen(engine, "begin", trip)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/ld+json"}
    for _ in range(2):
        counts.update(statements=0, trips=0)
        response = client.post("/annotations/", data=body,
                               headers=headers)
        assert response.status_code == 201, response.get_data(as_text=True)
    with app.app_context():
        db.engine.dispose()
    return counts["statements"], counts["trips"]


def _schema(name, drop=False):
    """Create (or drop) schema ``name`` in the PostgreSQL database; return its URL, or None."""
    engine = create_engine(normalise_database_url(POSTGRES), poolclass=NullPool)
    try:
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))
            if not drop:
                connection.execute(text(f"CREATE SCHEMA {name}"))
    except Exception as exc:  # no server: say so
        print(f"PostgreSQL at {POSTGRES} does not answer ({type(exc).__name__})")
        return None
    finally:
        engine.dispose()
    return make_url(POSTGRES).update_query_dict(  # named: pg_stat_activity tells them apart
        {"options": f"-csearch_path={name}", "application_name": name}
    ).render_as_string(hide_password=False)


SPREAD_SCRIPT = """
local bodies = {{{bodies}}}
local n = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/ld+json"
wrk.headers["Authorization"] = "Bearer {token}"
request = function()
  n = n + 1
  return wrk.format(nil, nil, nil, bodies[n % #bodies + 1])
end
"""


def _spread_script(folder, base, url, token):
    """A wrk script posting one note to each document of ``url`` in turn."""
    engine = create_engine(normalise_database_url(url), poolclass=NullPool)
    with engine.connect() as connection:
        documents = connection.execute(text("SELECT slug, text FROM documents ORDER BY id")).all()
    engine.dispose()
    bodies = ", ".join(f"[[{write_body(base, f'/docs/{slug}', doc_text)}]]"
                       for slug, doc_text in documents)
    script = folder / "write.lua"
    script.write_text(SPREAD_SCRIPT.format(bodies=bodies, token=token))
    return str(script)


def _counted(root, url, token, body):
    """Count one write's work with the code in ``root`` (this copy, or an older one)."""
    output = subprocess.run([sys.executable, "bench/writes.py", "--count", url, token, body],
                            cwd=root, check=True, capture_output=True, text=True).stdout
    return tuple(int(n) for n in output.split()[-2:])


def main():
    if sys.argv[1:2] == ["--count"]:  # one write's work, with this copy's code
        print(*count_round_trips(*sys.argv[2:5]))
        return
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")
    spread = "--spread" in sys.argv
    if spread:
        sys.argv.remove("--spread")
    duration = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    roots = {"": ROOT}
    if len(sys.argv) > 3:  # an older copy of the code, measured in the same run
        roots[" (before)"] = Path(sys.argv[3]).resolve()
    folder = Path(tempfile.mkdtemp(prefix="bench-writes-"))
    servers, runs, schemas = [], [], []
    try:
        for suffix, root in roots.items():
            schema = "bench_writes_before" if suffix else "bench_writes"
            postgres = _schema(schema)
            if postgres is None:
                sys.exit("PostgreSQL does not answer: nothing to compare")
            schemas.append(schema)
            for kind, url in (("SQLite", f"sqlite:///{folder / (schema + '.sqlite')}"),
                              ("PostgreSQL", postgres)):
                name = kind + suffix
                env, token, path, doc_text = _prepared_database(url, root)
                statements, trips = _counted(
                    root, url, token, write_body("http://localhost", path, doc_text))
                print(f"{name}: {statements} SQL statements, {trips} round trips per write")
                server = Gunicorn("reader:create_app()", env, root)
                servers.append(server)
                (folder / name).mkdir()
                if spread:
                    script = _spread_script(folder / name, server.base, url, token)
                else:
                    script = _write_script(folder / name, server.base, path, doc_text, token)
                runs.append((name, lambda server=server, script=script, **kw: wrk(
                    server.base + "/annotations/", duration, script, **kw)))
        for name, run in runs:
            run(warm_up=True)
        rates = {name: [] for name, _ in runs}
        for _ in range(rounds):
            for name, run in runs:
                rate, failed = run()
                if failed:
                    raise RuntimeError(f"{name}: {failed} writes were not 2xx")
                rates[name].append(rate)
    finally:
        for server in servers:
            server.stop()
        for schema in schemas:
            _schema(schema, drop=True)
        shutil.rmtree(folder)
    print(f"POST /annotations/{' to every document in turn' if spread else ''}, gunicorn.conf.py, wrk -t{THREADS} -c{CONNECTIONS} "
          f"-d{duration}s, {rounds} rounds alternating; {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}")
    medians = {name: statistics.median(found) for name, found in rates.items()}
    for name, found in rates.items():
        print(f"  {name:<22} {medians[name]:>6,.0f} writes/s   "
              f"(runs: {', '.join(f'{r:,.0f}' for r in found)})")
    for suffix in roots:
        print(f"  PostgreSQL / SQLite{suffix}: "
              f"{medians['PostgreSQL' + suffix] / medians['SQLite' + suffix]:.2f}")


if __name__ == "__main__":
    main()
