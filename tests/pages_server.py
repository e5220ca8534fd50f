"""A local HTTP server for the tests that fetch pages by URL (this machine has no internet)."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class PageServer:
    """Serve ``routes`` on 127.0.0.1 from a thread: path -> (status, headers, body).

    ``requests`` lists the paths asked for, so a test can check what reached the server.
    """

    def __init__(self):
        self.routes = {}
        self.requests = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(self.path)
                status, headers, body = server.routes.get(
                    self.path, (404, {"Content-Type": "text/plain"}, b"not here"))
                self.send_response(status)
                for name, value in headers.items():
                    if value:  # an empty value leaves the header out
                        self.send_header(name, value)
                if "Content-Length" not in headers:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):  # quiet
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path, host="127.0.0.1"):
        return f"http://{host}:{self.port}{path}"

    def add(self, path, body, content_type="text/html; charset=utf-8", status=200, **headers):
        """Serve ``body`` at ``path``."""
        self.routes[path] = (status, {"Content-Type": content_type, **headers}, body)

    def redirect(self, path, location, status=302):
        self.routes[path] = (status, {"Location": location}, b"")

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()
