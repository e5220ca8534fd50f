"""Real gunicorn with the repository's gunicorn.conf.py, for the tests that need a server."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).parent / "gunicorn"


def free_port():
    """Return a TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(env, folder):
    """Start gunicorn on a free port; return (process, base URL) once /healthz answers.

    Its access log goes to ``folder/access.log``, its own messages to ``folder/error.log``.
    It runs in a process group of its own, so ``os.killpg`` reaches every worker.
    """
    port = free_port()
    with open(Path(folder) / "access.log", "wb") as out, \
            open(Path(folder) / "error.log", "wb") as err:
        process = subprocess.Popen(
            [GUNICORN, "-c", "gunicorn.conf.py", "-b", f"127.0.0.1:{port}", "reader:create_app()"],
            cwd=ROOT, env=env, stdout=out, stderr=err, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=5).close()
            return process, base
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                stop_gunicorn(process)
                errors = (Path(folder) / "error.log").read_text(errors="replace")
                raise AssertionError(f"gunicorn did not answer within 30 s:\n{errors}")
            time.sleep(0.2)


def stop_gunicorn(process):
    """Stop gunicorn and its workers (TERM, then KILL after 30 s) if it still runs."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
