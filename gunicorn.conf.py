"""gunicorn settings for production: ``.venv/bin/gunicorn -c gunicorn.conf.py``.

Options on the command line win over these (``-b 0.0.0.0:8000``, ``-w 4``), and so does
the environment variable GUNICORN_CMD_ARGS. The app's own settings (DATABASE_URL,
READER_PROXY_FIX, READER_HTTPS, ...) come from the environment as usual.
"""

wsgi_app = "reader:create_app()"
bind = ["127.0.0.1:8000"]  # behind a reverse proxy on the same machine
workers = 2
threads = 4  # per worker: a slow request does not hold up the others
timeout = 60
graceful_timeout = 30
# gunicorn 24+ opens an admin socket at one fixed path per user, which a second instance
# on the machine (a test run, a staging copy) would fight over; nothing here uses it
control_socket_disable = True

# The access log is the app's: one line per request with its request id (X-Request-Id,
# the client's if it sent a plain one, else a new one), written by the "reader.request"
# logger to stdout. gunicorn's own access log stays off so each request is logged once.
accesslog = None
errorlog = "-"
loglevel = "info"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "root": {"level": "WARNING", "handlers": ["console"]},
    "loggers": {
        "reader.request": {"level": "INFO", "handlers": ["access"], "propagate": False},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "generic",
                    "stream": "ext://sys.stderr"},
        "access": {"class": "logging.StreamHandler", "formatter": "access",
                   "stream": "ext://sys.stdout"},
    },
    "formatters": {
        "generic": {"format": "%(asctime)s [%(process)d] [%(levelname)s] %(name)s: %(message)s"},
        "access": {"format": "%(asctime)s [%(process)d] %(message)s"},
    },
}
