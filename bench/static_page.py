"""The benchmark's ceiling: one HTML file (the path in BENCH_PAGE) served as a static file at /.

Served by werkzeug's SharedDataMiddleware, what a Flask app serves static files with
(conditional requests, a cache header), under the same gunicorn settings as the app.
"""

import os

from werkzeug.exceptions import NotFound
from werkzeug.middleware.shared_data import SharedDataMiddleware

app = SharedDataMiddleware(NotFound(), {"/": os.environ["BENCH_PAGE"]})
